"""How long a Socket Mode bot is deaf after its connection drops: slack_sdk's built-in client
against the websocket-client one the bot uses, side by side, against the local stand-ins.

For each client, a bare Bolt app connects; the stand-in then drops the connection without a
closing handshake (a network failure) or sends Slack's routine ``disconnect``, and the time
until the client holds a new connection is measured, ``--repeat`` times each.

    .venv/bin/python bench/socket_reconnect.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import logging
import statistics
import time

from slack_bolt import App
from slack_bolt.adapter.socket_mode import SocketModeHandler as BuiltinHandler
from slack_bolt.adapter.socket_mode.websocket_client import (
    SocketModeHandler as WebsocketClientHandler,
)
from slack_sdk import WebClient

from sandbox import SlackStandIn
from sandbox.socket_mode import SocketModeStandIn

PING_SECONDS = 5  # what runtime.serve gives either client


def measure(handler_class: type, how: str, repeat: int) -> list[float]:
    with SlackStandIn() as standin, SocketModeStandIn(standin) as socket_mode:
        client = WebClient(token=standin.bot_token, base_url=standin.api_url)
        app = App(client=client, signing_secret="unused", token_verification_enabled=False)
        app.command("/kindness")(lambda ack: ack())
        handler = handler_class(app, socket_mode.app_token, ping_interval=PING_SECONDS)
        handler.connect()
        socket_mode.wait_for_connection(1, timeout=30)
        seconds = []
        try:
            for _ in range(repeat):
                opened = socket_mode.connections_opened
                started = time.monotonic()
                if how == "drop":
                    socket_mode.drop()
                else:
                    socket_mode.disconnect()
                socket_mode.wait_for_connection(opened + 1, timeout=120)
                seconds.append(time.monotonic() - started)
        finally:
            handler.close()
        return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    logging.disable(logging.ERROR)  # both clients report every close they see
    print(f"{'client':<18} {'connection':<12} {'median s':>9} {'max s':>7}")
    medians: dict[tuple[str, str], float] = {}
    for name, handler_class in (
        ("built-in", BuiltinHandler),
        ("websocket-client", WebsocketClientHandler),
    ):
        for how in ("drop", "disconnect"):
            seconds = measure(handler_class, how, args.repeat)
            medians[(name, how)] = statistics.median(seconds)
            print(f"{name:<18} {how:<12} {medians[(name, how)]:>9.2f} {max(seconds):>7.2f}")
    for how in ("drop", "disconnect"):
        ratio = medians[("built-in", how)] / medians[("websocket-client", how)]
        print(f"{how}: built-in / websocket-client = {ratio:.1f}")


if __name__ == "__main__":
    main()
