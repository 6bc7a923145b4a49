"""``bot.app:wsgi``: the web application for gunicorn, the name operators' units give it::

    gunicorn -c deploy/gunicorn.conf.py bot.app:wsgi

It is built from the environment (settings, logging, database, token check:
``runtime.wsgi.build_wsgi_from_environment``) when gunicorn first looks it up, so
importing this module costs nothing and reads no environment. Everything else lives in
``runtime``: ``create_app`` in ``runtime.app``, ``KindnessWsgi`` in
``runtime.wsgi``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from runtime.metrics import MetricsWsgi

_built: dict[str, MetricsWsgi] = {}


def __getattr__(name: str) -> MetricsWsgi:
    if name != "wsgi":
        raise AttributeError(
            f"bot.app serves gunicorn's bot.app:wsgi only; {name} is in runtime "
            "(create_app: runtime.app, KindnessWsgi: runtime.wsgi)"
        )
    if "wsgi" not in _built:
        from runtime.wsgi import build_wsgi_from_environment

        _built["wsgi"] = build_wsgi_from_environment()
    return _built["wsgi"]
