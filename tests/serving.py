"""A WSGI app served by waitress on 127.0.0.1 for a test, stopped without leaving anything.

waitress's own ``server.run()`` has no stop: closing its channels from another thread races
with its worker threads, which wake the loop through a pipe that may be closed by then (an
``OSError: Bad file descriptor`` in teardown), and its workers are never joined. Here the loop
runs in small steps until asked to stop; then, in the loop's own thread, the workers are shut
down and joined first, and only then is every channel (the listening socket and the wake-up
pipe included) closed.
"""

from __future__ import annotations

import threading
from typing import Any

from waitress.server import create_server


class ServedWsgi:
    def __init__(self, app: Any, *, threads: int = 4) -> None:
        self._server = create_server(
            app, host="127.0.0.1", port=0, threads=threads, ident="test", asyncore_use_poll=True
        )
        self._stop = threading.Event()
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="test-waitress", daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.effective_port}"

    def _serve(self) -> None:
        server = self._server
        try:
            while not self._stop.is_set():
                server.asyncore.loop(timeout=0.05, map=server._map, use_poll=True, count=1)
        finally:
            server.task_dispatcher.shutdown(cancel_pending=True, timeout=10)
            for channel in list(server._map.values()):
                channel.close()
            self._stopped.set()

    def stop(self) -> None:
        """Stop serving; returns once the workers have ended and every socket is closed."""
        self._stop.set()
        self._thread.join(timeout=15)
        assert self._stopped.is_set(), "the test server did not stop"
