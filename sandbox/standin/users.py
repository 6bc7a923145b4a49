"""People: `add_user` for tests, and users.info, users.list and team.info for the bot.

Judgement calls:
- `users.list` pages with an opaque cursor and includes the bot and deactivated people, as
  Slack's does; members of another organisation met in a shared channel (Slack Connect) are
  answered by users.info but not listed.
- A user's `tz_label` is the zone's abbreviation ("BST"), not Slack's long name; `tz_offset` is
  computed from zoneinfo when users.info is called.
"""

from __future__ import annotations

import time
from datetime import datetime
from zoneinfo import ZoneInfo

from sandbox.standin.protocol import ApiError, cursor_at, json_copy, page_bounds
from sandbox.standin.workspace import Workspace


class Users(Workspace):
    """The workspace's people, and the workspace itself as team.info tells it."""

    def add_user(
        self,
        user_id: str,
        name: str = "member",
        real_name: str | None = None,
        tz: str = "Europe/London",
        is_admin: bool = False,
        is_owner: bool = False,
        is_bot: bool = False,
        team_id: str | None = None,
        display_name: str | None = None,
    ) -> dict:
        """Add (or replace) a person; returns their users.info object. ``name`` is the handle;
        ``display_name`` what Slack shows (the handle when not given). `team_id`: a member of
        another organisation, met in a channel shared with it (Slack Connect): users.info
        answers for them, users.list (this workspace's people) does not list them."""
        ZoneInfo(tz)  # an unknown zone fails here, not in the middle of a users.info call
        real_name = real_name if real_name is not None else name
        display_name = display_name if display_name is not None else name
        team_id = team_id or self.team_id
        user = {
            "id": user_id,
            "team_id": team_id,
            "name": name,
            "deleted": False,
            "real_name": real_name,
            "tz": tz,
            "is_admin": is_admin,
            "is_owner": is_owner,
            "is_primary_owner": is_owner,
            "is_restricted": False,
            "is_ultra_restricted": False,
            "is_bot": is_bot,
            "is_app_user": False,
            "updated": int(time.time()),
            "profile": {
                "real_name": real_name,
                "real_name_normalized": real_name,
                "display_name": display_name,
                "display_name_normalized": display_name,
                "team": team_id,
            },
        }
        if is_bot:
            user["profile"]["bot_id"] = self.bot_id
        with self._lock:
            self._users[user_id] = user
        return self._user_info(user_id)

    def users(self) -> list[dict]:
        with self._lock:
            return [self._user_info(user_id) for user_id in self._users]

    def _user_info(self, user_id: str) -> dict:
        user = json_copy(self._users[user_id])
        now = datetime.now(ZoneInfo(user["tz"]))
        offset = now.utcoffset()
        user["tz_label"] = now.tzname()
        user["tz_offset"] = int(offset.total_seconds()) if offset is not None else 0
        return user

    def _api_users_info(self, args: dict) -> dict:
        if args.get("user") not in self._users:
            raise ApiError("user_not_found")
        return {"user": self._user_info(args["user"])}

    def _api_users_list(self, args: dict) -> dict:
        """Every person of the workspace (the bot and deactivated people included; members of
        other organisations met in shared channels not), in pages of `limit`."""
        ids = sorted(u for u, user in self._users.items() if user["team_id"] == self.team_id)
        start, limit = page_bounds(args, len(ids), default_limit=0, most=1000)
        page = ids[start : start + limit] if limit else ids[start:]
        after = start + len(page)
        return {
            "members": [self._user_info(user_id) for user_id in page],
            "cache_ts": int(time.time()),
            "response_metadata": {"next_cursor": cursor_at(after) if after < len(ids) else ""},
        }

    def _api_team_info(self, args: dict) -> dict:
        return {
            "team": {
                "id": self.team_id,
                "name": self.team_name,
                "domain": self.team_domain,
                "url": f"https://{self.permalink_host}/",
                "email_domain": "",
                "icon": {"image_default": True},
                "is_verified": False,
            }
        }
