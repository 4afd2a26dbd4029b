from ctxdash.cli.main import main

raise SystemExit(main())
