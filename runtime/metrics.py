"""``GET /metrics`` served, and every HTTP request counted and timed by route and status.

The figures themselves are kept by ``bot.metrics``; this is the serving side, in front of the
bot's WSGI application (``runtime.wsgi``).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable
from typing import Any

from bot.metrics import exposition, http_request

StartResponse = Callable[..., Any]

ROUTES = {
    "/slack/events": "slack_events",
    "/slack/install": "install",
    "/slack/oauth_redirect": "oauth_redirect",
    "/healthz": "healthz",
    "/metrics": "metrics",
}


class MetricsWsgi:
    """In front of the bot's WSGI application: serves ``GET /metrics`` and counts and times
    every HTTP request by route and status."""

    def __init__(self, app: Callable[[dict[str, Any], StartResponse], Iterable[bytes]]) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        started = time.perf_counter()
        path = environ.get("PATH_INFO", "")
        route = ROUTES.get(path, "other")
        if path == "/metrics" and environ.get("REQUEST_METHOD", "GET") in ("GET", "HEAD"):
            body, content_type = exposition()
            start_response(
                "200 OK", [("Content-Type", content_type), ("Content-Length", str(len(body)))]
            )
            http_request(route, 200, time.perf_counter() - started)
            return [body]
        statuses: list[int] = []

        def recording(status: str, headers: list, exc_info: Any = None) -> Any:
            statuses.append(int(status.split(" ", 1)[0]))
            if exc_info is None:
                return start_response(status, headers)
            return start_response(status, headers, exc_info)

        try:
            return self.app(environ, recording)
        finally:
            http_request(route, statuses[-1] if statuses else 500, time.perf_counter() - started)


def process_exited(pid: int) -> None:
    """gunicorn's ``child_exit``: a worker's live figures stop counting (multi-process mode)."""
    from prometheus_client import multiprocess

    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.mark_process_dead(pid)
