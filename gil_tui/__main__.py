from gil_tui.cli import main

raise SystemExit(main())
