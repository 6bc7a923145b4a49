"""Modals and Home tabs: views.open, push, update and publish, and what Slack does with a
modal's `response_action` (update, push, errors, clear) when SlackDriver reports one.

Judgement calls:
- A `trigger_id` used a second time answers `exchanged_trigger_id` (Slack's documented error,
  and what Bolt users report) rather than `expired_trigger_id`; one older than 3 seconds answers
  `expired_trigger_id`; one the stand-in never issued, `invalid_trigger_id`. Only a call that
  succeeds spends a trigger.
- Views answer `invalid_arguments` with the Block Kit complaints in `response_metadata.messages`
  only (messages answer `invalid_blocks`, see `chat`); a stack holds at most 3 modals.
- A `response_action` that Slack would refuse (errors keyed by a block that is not an input, a
  view breaking a limit, a push past the stack's limit) leaves the modal as it was with a
  banner saying why; real Slack says less.
"""

from __future__ import annotations

import secrets
import time
from typing import Any

from sandbox.blockkit import view_errors
from sandbox.standin.files import Files
from sandbox.standin.protocol import ApiError, json_copy

_TRIGGER_LIFETIME_SECONDS = 3.0
_VIEW_STACK_MAX = 3


class Views(Files):
    """Open modals (with who sees them, their errors and banners), Home tabs and triggers."""

    def _init_views(self) -> None:
        self._views: dict[str, dict] = {}  # modal view id -> view
        self._home_views: dict[str, dict] = {}  # user id -> Home tab view
        # trigger id -> (issued at, the view it came from, the person who acted)
        self._triggers: dict[str, tuple[float, str | None, str | None]] = {}
        self._spent_triggers: set[str] = set()
        self._view_owners: dict[str, str] = {}  # modal view id -> the person who sees it
        self._view_errors: dict[str, dict[str, str]] = {}  # modal view id -> block_id -> error
        self._view_banners: dict[str, str] = {}  # modal view id -> what Slack says atop it

    def new_trigger_id(self, *, view_id: str | None = None, user: str | None = None) -> str:
        """A fresh trigger_id, good for one views.open/views.push within 3 seconds; the modal
        it opens is shown to `user`."""
        trigger_id = f"{next(self._ids)}.{int(time.time())}.{secrets.token_hex(16)}"
        with self._lock:
            self._triggers[trigger_id] = (time.monotonic(), view_id, user)
        return trigger_id

    def view(self, view_id: str) -> dict | None:
        """An open modal by id (None once closed)."""
        with self._lock:
            return json_copy(self._views.get(view_id))

    def open_views(self) -> list[dict]:
        """The modals open now, oldest first."""
        with self._lock:
            return json_copy(list(self._views.values()))

    def modal_stack(self, user: str) -> list[dict]:
        """The modals open for `user`, bottom of the stack first, each with what Slack shows
        around it: `errors` (block_id → text, from response_action "errors") and `banner`."""
        with self._lock:
            stack = []
            for view in self._views.values():
                if self._view_owners.get(view["id"]) == user:
                    shown = json_copy(view)
                    shown["errors"] = dict(self._view_errors.get(view["id"], {}))
                    shown["banner"] = self._view_banners.get(view["id"])
                    stack.append(shown)
            return stack

    def home_view(self, user: str) -> dict | None:
        """The Home tab last published for a person."""
        with self._lock:
            return json_copy(self._home_views.get(user))

    def home_view_by_id(self, view_id: str) -> dict | None:
        with self._lock:
            return json_copy(
                next((v for v in self._home_views.values() if v["id"] == view_id), None)
            )

    def _api_views_open(self, args: dict) -> dict:
        view = self._checked_view(args.get("view"), "modal")
        self._usable_trigger(args)
        stored = self._store_modal(view, below=None, owner=self._trigger_user(args))
        self._spend_trigger(args)
        return {"view": json_copy(stored)}

    def _api_views_push(self, args: dict) -> dict:
        view = self._checked_view(args.get("view"), "modal")
        below = self._views.get(self._usable_trigger(args) or "")
        if below is not None and self._stack_depth(below) >= _VIEW_STACK_MAX:
            raise ApiError("push_limit_reached")
        stored = self._store_modal(view, below=below, owner=self._trigger_user(args))
        self._spend_trigger(args)
        return {"view": json_copy(stored)}

    def _trigger_user(self, args: dict) -> str | None:
        trigger_id = args.get("trigger_id") or args.get("interactivity_pointer")
        return self._triggers.get(trigger_id, (0.0, None, None))[2]

    def _api_views_update(self, args: dict) -> dict:
        current = self._view_by_id_or_external_id(args.get("view_id"), args.get("external_id"))
        view = self._checked_view(args.get("view"), current["type"], replacing=current["id"])
        if args.get("hash") and args["hash"] != current["hash"]:
            raise ApiError("hash_conflict")
        return {"view": json_copy(self._replace(current, view))}

    def _api_views_publish(self, args: dict) -> dict:
        user = args.get("user_id")
        if user not in self._users:
            meta = {"messages": ["[ERROR] invalid `user_id`"]}
            raise ApiError("invalid_arguments", response_metadata=meta)
        current = self._home_views.get(user)
        view = self._checked_view(args.get("view"), "home", replacing=(current or {}).get("id"))
        if current is not None and args.get("hash") and args["hash"] != current["hash"]:
            raise ApiError("hash_conflict")
        if current is not None:
            return {"view": json_copy(self._replace(current, view))}
        self._home_views[user] = self._view_record(view, view_id=None, below=None)
        return {"view": json_copy(self._home_views[user])}

    def _checked_view(self, view: Any, expected_type: str, replacing: str | None = None) -> dict:
        errors = view_errors(view)
        if not errors and view["type"] != expected_type:
            errors = [f"must be `{expected_type}` here [json-pointer:/view/type]"]
        if errors:
            meta = {"messages": [f"[ERROR] {e}" for e in errors]}
            raise ApiError("invalid_arguments", response_metadata=meta)
        self._check_slack_files(view.get("blocks"), "/view/blocks", error="invalid_arguments")
        external_id = view.get("external_id")
        others = [v for v in self._all_views() if v["id"] != replacing]
        if external_id and any(v.get("external_id") == external_id for v in others):
            raise ApiError("duplicate_external_id")
        return view

    def _usable_trigger(self, args: dict) -> str | None:
        """Checks the call's trigger_id; returns the view it came from, if any."""
        trigger_id = args.get("trigger_id") or args.get("interactivity_pointer")
        if not trigger_id:
            meta = {"messages": ["[ERROR] missing required field: trigger_id"]}
            raise ApiError("invalid_arguments", response_metadata=meta)
        if trigger_id not in self._triggers:
            raise ApiError("invalid_trigger_id")
        if trigger_id in self._spent_triggers:
            raise ApiError("exchanged_trigger_id")
        issued_at, view_id, _ = self._triggers[trigger_id]
        if time.monotonic() - issued_at > _TRIGGER_LIFETIME_SECONDS:
            raise ApiError("expired_trigger_id")
        return view_id

    def _spend_trigger(self, args: dict) -> None:
        self._spent_triggers.add(args.get("trigger_id") or args.get("interactivity_pointer"))

    def _store_modal(self, view: dict, *, below: dict | None, owner: str | None) -> dict:
        stored = self._view_record(view, view_id=None, below=below)
        self._views[stored["id"]] = stored
        owner = owner or (self._view_owners.get(below["id"]) if below is not None else None)
        if owner is not None:
            self._view_owners[stored["id"]] = owner
        return stored

    def _replace(self, current: dict, view: dict) -> dict:
        """views.update, views.publish again, or response_action "update": same id and stack."""
        updated = self._view_record(view, view_id=current["id"], below=None)
        updated.update(
            root_view_id=current["root_view_id"], previous_view_id=current["previous_view_id"]
        )
        store = self._views if current["id"] in self._views else self._home_views
        key = next(k for k, v in store.items() if v["id"] == current["id"])
        store[key] = updated
        self._view_errors.pop(current["id"], None)
        self._view_banners.pop(current["id"], None)
        return updated

    def _view_record(self, view: dict, *, view_id: str | None, below: dict | None) -> dict:
        """A view as Slack returns it: ids, hash and empty state added to what the bot sent."""
        view_id = view_id or f"V{next(self._ids):010d}"
        return {
            "private_metadata": "",
            "callback_id": "",
            "external_id": "",
            "clear_on_close": False,
            "notify_on_close": False,
            **json_copy(view),
            "id": view_id,
            "team_id": self.team_id,
            "blocks": self._with_block_ids(view["blocks"]),
            "state": {"values": {}},
            "hash": f"{int(time.time())}.{secrets.token_hex(4)}",
            "root_view_id": below["root_view_id"] if below is not None else view_id,
            "previous_view_id": below["id"] if below is not None else None,
            "app_id": self.app_id,
            "app_installed_team_id": self.team_id,
            "bot_id": self.bot_id,
        }

    def _all_views(self) -> list[dict]:
        return [*self._views.values(), *self._home_views.values()]

    def _view_by_id_or_external_id(self, view_id: Any, external_id: Any) -> dict:
        if not view_id and not external_id:
            meta = {"messages": ["[ERROR] either `view_id` or `external_id` is required"]}
            raise ApiError("invalid_arguments", response_metadata=meta)
        for view in self._all_views():
            if (view_id and view["id"] == view_id) or (
                external_id and view.get("external_id") == external_id
            ):
                return view
        raise ApiError("not_found")

    def _stack_depth(self, view: dict) -> int:
        depth = 1
        while view.get("previous_view_id") in self._views:
            view = self._views[view["previous_view_id"]]
            depth += 1
        return depth

    def close_view(self, view_id: str, *, all_of_stack: bool = False) -> None:
        """A modal closes: just this one, or (response_action "clear") its whole stack."""
        with self._lock:
            view = self._views.get(view_id)
            if view is None:
                return
            closing = [view]
            if all_of_stack:
                root = view["root_view_id"]
                closing = [v for v in self._views.values() if v["root_view_id"] == root]
            for gone in closing:
                self._views.pop(gone["id"], None)
                self._view_owners.pop(gone["id"], None)
                self._view_errors.pop(gone["id"], None)
                self._view_banners.pop(gone["id"], None)
            self._touch()

    def replace_view(self, view_id: str, view: Any) -> list[str]:
        """A view_submission answered with response_action "update"; returns Slack's
        complaints about the new view (then the old one stays, with Slack's banner)."""
        with self._lock:
            current = self._views.get(view_id)
            if current is None:
                return []
            problems = self._modal_problems(view)
            if problems:
                self._view_banners[view_id] = _refused_banner(problems)
            else:
                self._replace(current, view)
            self._touch()
            return problems

    def push_view(self, view_id: str, view: Any) -> list[str]:
        """A view_submission answered with response_action "push": `view` goes on top."""
        with self._lock:
            below = self._views.get(view_id)
            if below is None:
                return []
            problems = self._modal_problems(view)
            if not problems and self._stack_depth(below) >= _VIEW_STACK_MAX:
                problems = ["push_limit_reached"]
            if problems:
                self._view_banners[view_id] = _refused_banner(problems)
            else:
                self._view_errors.pop(view_id, None)
                self._view_banners.pop(view_id, None)
                self._store_modal(view, below=below, owner=None)
            self._touch()
            return problems

    def set_view_errors(self, view_id: str, errors: Any) -> list[str]:
        """A view_submission answered with response_action "errors": each error shows under
        its input block. Slack takes errors keyed by the block_id of an input block only."""
        with self._lock:
            view = self._views.get(view_id)
            if view is None:
                return []
            inputs = {b.get("block_id") for b in view["blocks"] if b.get("type") == "input"}
            problems = []
            if not isinstance(errors, dict) or not errors:
                problems = ["`errors` must be an object of block_id → message"]
            else:
                problems = [
                    f"no input block with block_id `{key}` in this view"
                    for key in errors
                    if key not in inputs
                ]
            if problems:
                self._view_banners[view_id] = _refused_banner(problems)
            else:
                self._view_errors[view_id] = {str(k): str(v) for k, v in errors.items()}
                self._view_banners.pop(view_id, None)
            self._touch()
            return problems

    def set_view_banner(self, view_id: str, text: str | None) -> None:
        """What Slack shows atop a modal when the app did not answer its submission well."""
        with self._lock:
            if text is None:
                self._view_banners.pop(view_id, None)
            elif view_id in self._views:
                self._view_banners[view_id] = text
            self._touch()

    def _modal_problems(self, view: Any) -> list[str]:
        problems = view_errors(view)
        if not problems and view.get("type") != "modal":
            problems = ["must be `modal` here [json-pointer:/view/type]"]
        return problems


def _refused_banner(problems: list[str]) -> str:
    return "Slack refused the app's answer: " + "; ".join(problems)
