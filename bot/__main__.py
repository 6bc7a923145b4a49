"""``python -m bot`` is ``kindness-bot``."""

from runtime.cli import main

raise SystemExit(main())
