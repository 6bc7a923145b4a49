"""Keeping the workspace between runs: `kindness-bot sandbox` writes `snapshot()` to
`sandbox-slack.json` and gives it back with `restore()`.

Judgement call: open modals, triggers and response URLs are moments, not kept; the bot's own
user is kept as the new stand-in made it.
"""

from __future__ import annotations

import base64
import itertools

from sandbox.standin.files import Files, UploadedFile
from sandbox.standin.protocol import json_copy
from sandbox.standin.views import Views


class Persistence(Views, Files):
    """The workspace as JSON-ready data, and back."""

    def snapshot(self) -> dict:
        """The workspace as JSON-ready data: people, channels, messages, Home tabs, files.
        Open modals, triggers and response URLs are moments, not kept."""
        with self._lock:
            return {
                "next_id": next(self._ids),
                "last_ts_micros": self._last_ts_micros,
                "users": json_copy(self._users),
                "channels": json_copy(self._channels),
                "dms": dict(self._dms),
                "mpims": dict(self._mpims),
                "members": json_copy(self._members),
                "messages": json_copy(self._messages),
                "ephemerals": json_copy(self._ephemerals),
                "home_views": json_copy(self._home_views),
                "files": [
                    {
                        "id": f.id,
                        "name": f.name,
                        "title": f.title,
                        "content": base64.b64encode(f.content).decode("ascii"),
                        "channels": list(f.channels),
                        "initial_comment": f.initial_comment,
                        "thread_ts": f.thread_ts,
                    }
                    for f in self._files
                ],
            }

    def restore(self, snapshot: dict) -> None:
        """Take back a `snapshot` (the bot's own user is kept as this stand-in made it)."""
        with self._lock:
            self._ids = itertools.count(int(snapshot["next_id"]))
            self._last_ts_micros = int(snapshot["last_ts_micros"])
            self._users.update(snapshot["users"])
            self._channels = snapshot["channels"]
            self._dms = snapshot["dms"]
            self._mpims = snapshot.get("mpims", {})
            self._members = snapshot["members"]
            self._messages = snapshot["messages"]
            self._ephemerals = snapshot["ephemerals"]
            self._home_views = snapshot["home_views"]
            self._files = [
                UploadedFile(
                    id=f["id"],
                    name=f["name"],
                    title=f["title"],
                    content=base64.b64decode(f["content"]),
                    channels=tuple(f["channels"]),
                    initial_comment=f.get("initial_comment"),
                    thread_ts=f.get("thread_ts"),
                )
                for f in snapshot["files"]
            ]
            self._touch()
