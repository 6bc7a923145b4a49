"""The process environment, prepared once by every entry point before anything reads it.

``.env`` in the working directory fills in what the real environment leaves unset or empty (the
real environment wins otherwise). Then every empty setting of ours is removed from
``os.environ``, so that an empty value means *unset* for everything in the process, not only
for ``bot.config``: Bolt turns its OAuth flow on when ``SLACK_CLIENT_ID`` and
``SLACK_CLIENT_SECRET`` merely exist, even empty — which is how ``.env.example`` ships them —
and then answers every command with "please reinstall this app"; prometheus_client switches to
multi-process mode when ``PROMETHEUS_MULTIPROC_DIR`` exists at all.
"""

from __future__ import annotations

import os
from collections.abc import MutableMapping

from dotenv import dotenv_values

# Everything this program, Bolt, slack_sdk or prometheus_client reads from the environment.
PREFIXES = ("SLACK_", "KINDNESS_")
NAMES = frozenset(
    {
        "DATABASE_URL",
        "HOST",
        "PORT",
        "LOG_LEVEL",
        "LOG_FORMAT",
        "PROMETHEUS_MULTIPROC_DIR",
        "WEB_CONCURRENCY",
    }
)


def is_ours(name: str) -> bool:
    return name in NAMES or name.startswith(PREFIXES)


def load_environment(
    path: str | None = None, environ: MutableMapping[str, str] | None = None
) -> None:
    """Read ``.env`` (default: in the working directory) into the environment, then drop
    every empty setting of ours."""
    env = os.environ if environ is None else environ
    dotenv = path or os.path.join(os.getcwd(), ".env")
    if os.path.isfile(dotenv):
        for name, value in dotenv_values(dotenv).items():
            if value and value.strip() and not env.get(name, "").strip():
                env[name] = value
    for name in [n for n, v in env.items() if is_ours(n) and not v.strip()]:
        del env[name]
