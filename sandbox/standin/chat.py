"""Messages: chat.postMessage, postEphemeral, update, delete and getPermalink.

Every message body is checked as Slack checks it (`check_message_body`: Block Kit's limits from
`sandbox.blockkit`, the text's length, and that there is something to show), here and for
response_url posts and slash command acknowledgements.

Judgement calls:
- A message with blocks and no top-level `text` is refused `no_text_for_screen_readers`:
  stricter than Slack, which only warns, because a screen reader reads the text, not the blocks.
- Only the bot's own messages can be updated or deleted (`cant_update_message`,
  `cant_delete_message`); a permalink to a thread reply carries `thread_ts` and `cid`.
"""

from __future__ import annotations

from sandbox.blockkit import MESSAGE_TEXT_LIMIT, message_block_errors
from sandbox.standin.files import Files
from sandbox.standin.protocol import ApiError, json_copy


class Chat(Files):
    """The bot's messages, through the Web API or (an "in_channel" answer) without it."""

    def _api_chat_postMessage(self, args: dict) -> dict:
        channel = self._postable_channel(args.get("channel"))
        check_message_body(args)
        self._check_slack_files(args.get("blocks"), "/blocks")
        message = self._bot_message(args)
        if args.get("thread_ts"):
            message["thread_ts"] = str(args["thread_ts"])
        self._messages[channel].append(message)
        return {"channel": channel, "ts": message["ts"], "message": json_copy(message)}

    def _api_chat_postEphemeral(self, args: dict) -> dict:
        channel = self._postable_channel(args.get("channel"))
        if args.get("user") not in self._users:
            raise ApiError("user_not_in_channel")
        check_message_body(args)
        self._check_slack_files(args.get("blocks"), "/blocks")
        ts = self.next_ts()
        self._ephemerals.append(
            {
                "channel": channel,
                "user": args["user"],
                "text": args.get("text"),
                "blocks": args.get("blocks"),
                "thread_ts": args.get("thread_ts"),
                "ts": ts,
                "via": "chat.postEphemeral",
            }
        )
        return {"message_ts": ts}

    def _api_chat_update(self, args: dict) -> dict:
        channel, message = self._find_message(args.get("channel"), args.get("ts"))
        if message.get("user") != self.bot_user_id:
            raise ApiError("cant_update_message")
        check_message_body(args)
        self._check_slack_files(args.get("blocks"), "/blocks")
        for key in ("text", "blocks", "attachments"):
            if key in args:
                message[key] = self._with_block_ids(args[key]) if key == "blocks" else args[key]
        message["edited"] = {"user": self.bot_user_id, "ts": self.next_ts()}
        shown = json_copy(message)
        return {
            "channel": channel,
            "ts": message["ts"],
            "text": message.get("text"),
            "message": shown,
        }

    def _api_chat_delete(self, args: dict) -> dict:
        channel, message = self._find_message(args.get("channel"), args.get("ts"))
        if message.get("user") != self.bot_user_id:
            raise ApiError("cant_delete_message")
        self._messages[channel].remove(message)
        return {"channel": channel, "ts": message["ts"]}

    def _api_chat_getPermalink(self, args: dict) -> dict:
        channel, message = self._find_message(args.get("channel"), args.get("message_ts"))
        link = f"https://{self.permalink_host}/archives/{channel}/p{message['ts'].replace('.', '')}"
        thread_ts = message.get("thread_ts")
        if thread_ts and thread_ts != message["ts"]:
            link += f"?thread_ts={thread_ts}&cid={channel}"
        return {"channel": channel, "permalink": link}

    def post_as_app(self, channel: str, payload: dict) -> dict:
        """A message the app posts without the Web API (an "in_channel" command answer)."""
        with self._lock:
            message = self._bot_message(payload)
            self._messages.setdefault(channel, []).append(message)
            self._touch()
            return json_copy(message)

    def check_message(self, payload: dict) -> list[str]:
        """What Slack would refuse in a message body (an acknowledgement's, say): the error
        name followed by Block Kit's complaints; empty when Slack would take it."""
        try:
            check_message_body(payload)
        except ApiError as refusal:
            return [refusal.error, *refusal.extra.get("errors", [])]
        return []


def check_message_body(args: dict) -> None:
    """Slack's checks on a message body: blocks, text length, and that there is something."""
    blocks = args.get("blocks")
    if isinstance(blocks, str):
        raise ApiError("invalid_blocks_format")
    if blocks is not None:
        errors = message_block_errors(blocks)
        if errors:
            meta = {"messages": [f"[ERROR] {e}" for e in errors]}
            raise ApiError("invalid_blocks", errors=errors, response_metadata=meta)
    text = args.get("text")
    if isinstance(text, str) and len(text) > MESSAGE_TEXT_LIMIT:
        raise ApiError("msg_too_long")
    if not text and not blocks and not args.get("attachments"):
        raise ApiError("no_text")
    if blocks and not (isinstance(text, str) and text.strip()):
        # Stricter than Slack, which only warns: a screen reader reads a message's top-level
        # text, not its blocks, so the stand-in refuses blocks without it.
        raise ApiError("no_text_for_screen_readers")
