from ctxdash.bench.run import main

raise SystemExit(main())
