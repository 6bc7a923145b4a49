"""``python -m bot`` is ``kindness-bot``."""

from bot.cli import main

raise SystemExit(main())
