"""``bot.app:wsgi``: the web application for gunicorn, the name operators' units give it::

    gunicorn -c deploy/gunicorn.conf.py bot.app:wsgi

It is built from the environment (settings, logging, database, token check:
``bot.runtime.wsgi.build_wsgi_from_environment``) when gunicorn first looks it up, so
importing this module costs nothing and reads no environment. Everything else lives in
``bot.runtime``: ``create_app`` in ``bot.runtime.app``, ``KindnessWsgi`` in
``bot.runtime.wsgi``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.metrics import MetricsWsgi

_built: dict[str, MetricsWsgi] = {}


def __getattr__(name: str) -> MetricsWsgi:
    if name != "wsgi":
        raise AttributeError(
            f"bot.app serves gunicorn's bot.app:wsgi only; {name} is in bot.runtime "
            "(create_app: bot.runtime.app, KindnessWsgi: bot.runtime.wsgi)"
        )
    if "wsgi" not in _built:
        from bot.runtime.wsgi import build_wsgi_from_environment

        _built["wsgi"] = build_wsgi_from_environment()
    return _built["wsgi"]
