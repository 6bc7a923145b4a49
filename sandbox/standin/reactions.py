"""Emoji reactions: reactions.add and reactions.remove, by the bot, on a message it can see."""

from __future__ import annotations

from sandbox.standin.protocol import ApiError
from sandbox.standin.workspace import Workspace


class Reactions(Workspace):
    """The bot's reactions; `already_reacted` and `no_reaction` as Slack answers them."""

    def _api_reactions_add(self, args: dict) -> dict:
        _, message = self._find_message(args.get("channel"), args.get("timestamp"))
        name = args.get("name") or ""
        if not name:
            raise ApiError("invalid_name")
        reactions = message.setdefault("reactions", [])
        reaction = next((r for r in reactions if r["name"] == name), None)
        if reaction is None:
            reaction = {"name": name, "users": [], "count": 0}
            reactions.append(reaction)
        if self.bot_user_id in reaction["users"]:
            raise ApiError("already_reacted")
        reaction["users"].append(self.bot_user_id)
        reaction["count"] += 1
        return {}

    def _api_reactions_remove(self, args: dict) -> dict:
        _, message = self._find_message(args.get("channel"), args.get("timestamp"))
        reactions = message.get("reactions", [])
        reaction = next((r for r in reactions if r["name"] == args.get("name")), None)
        if reaction is None or self.bot_user_id not in reaction["users"]:
            raise ApiError("no_reaction")
        reaction["users"].remove(self.bot_user_id)
        reaction["count"] -= 1
        if not reaction["users"]:
            reactions.remove(reaction)
        return {}
