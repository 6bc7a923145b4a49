"""``python -m bot`` is ``kindness-bot``."""

from bot.runtime.cli import main

raise SystemExit(main())
