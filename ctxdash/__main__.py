from ctxdash.cli import main

raise SystemExit(main())
