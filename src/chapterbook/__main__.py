from chapterbook.cli import main

raise SystemExit(main())
