"""`python -m center` is `service-center`."""

from center.cli import main

raise SystemExit(main())
