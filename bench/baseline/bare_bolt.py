"""The baseline of ``bench/http_commands.py``: a bare Bolt app whose listener only acks.

``BARE_MODE=default`` is Bolt's default (``process_before_response=False``: the listener runs
on a thread pool and the request thread polls for the ack); ``BARE_MODE=pbr`` runs it in the
request thread. Served by waitress (8 threads) when run as a script, or by gunicorn as
``bare_bolt:wsgi`` (from this directory). ``GET /healthz`` answers 200 so the benchmark can
wait for it. Settings come from ``SLACK_SIGNING_SECRET``, ``SLACK_BOT_TOKEN`` and
``SLACK_API_URL`` (the stand-in).
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable, Iterable
from typing import Any

from slack_bolt import Ack, App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient


def build(mode: str) -> Callable[..., Iterable[bytes]]:
    app = App(
        client=WebClient(token=os.environ["SLACK_BOT_TOKEN"], base_url=os.environ["SLACK_API_URL"]),
        signing_secret=os.environ["SLACK_SIGNING_SECRET"],
        process_before_response=mode == "pbr",
        token_verification_enabled=False,
    )

    @app.command("/kindness")
    def only_ack(ack: Ack) -> None:
        ack()

    slack = SlackRequestHandler(app)

    def wsgi(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == "/healthz":
            start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "2")])
            return [b"ok"]
        return slack(environ, start_response)

    return wsgi


def __getattr__(name: str) -> Callable[..., Iterable[bytes]]:
    # gunicorn's 'bare_bolt:wsgi': built when looked up, from the environment.
    if name != "wsgi":
        raise AttributeError(name)
    return build(os.environ.get("BARE_MODE", "default"))


if __name__ == "__main__":
    from waitress import serve

    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--mode", choices=("default", "pbr"), default="default")
    args = parser.parse_args()
    serve(build(args.mode), host="127.0.0.1", port=args.port, threads=8, _quiet=True)
