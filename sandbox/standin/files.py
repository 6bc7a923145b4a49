"""Files: the external upload flow, and the images in blocks that show an uploaded file.

files.getUploadURLExternal hands out an upload URL on the stand-in, the bytes are posted to it,
and files.completeUploadExternal shares the file in channels or DMs (a message with the file in
each). Blocks that show an uploaded file (`slack_file`) are checked here for every family that
takes blocks: messages, views and response_url posts.

Judgement calls:
- The upload URL answers 200 "OK - <bytes>" and takes a raw body or multipart form data.
- An image block's `slack_file` must name a file uploaded here that is an image (png, jpg,
  jpeg, gif); otherwise the message is refused `invalid_blocks` with "invalid slack file"
  (views: `invalid_arguments`), Slack's wording. Real Slack also refuses a file for a moment
  after its upload while it processes it; `delay_file_processing(n)` makes new uploads refused
  in their first n messages. Who may see a privately uploaded file is not modelled.
"""

from __future__ import annotations

import mimetypes
import time
from dataclasses import dataclass
from typing import Any

from sandbox.blockkit import slack_file_references
from sandbox.standin.faults import Faults
from sandbox.standin.protocol import Answer, ApiError, json_copy, multipart_parts


@dataclass(frozen=True)
class UploadedFile:
    """A file uploaded with files.getUploadURLExternal + files.completeUploadExternal."""

    id: str
    name: str
    title: str
    content: bytes
    channels: tuple[str, ...]
    initial_comment: str | None = None
    thread_ts: str | None = None

    @property
    def channel(self) -> str | None:
        return self.channels[0] if self.channels else None

    @property
    def mimetype(self) -> str:
        return mimetypes.guess_type(self.name)[0] or "application/octet-stream"


# Slack shows only these as images (the slack_file object's documented limit).
_IMAGE_TYPES = (".png", ".jpg", ".jpeg", ".gif")


class Files(Faults):
    """Uploads in flight, uploaded files, and which are still "processing"."""

    def _init_files(self) -> None:
        self._pending_uploads: dict[str, dict] = {}  # file id -> {"filename", "length", "content"}
        self._files: list[UploadedFile] = []
        self._processing_for = 0  # messages a new upload is refused in (see delay_file_processing)
        self._processing: dict[str, int] = {}  # file id -> refusals left

    @property
    def files(self) -> list[UploadedFile]:
        with self._lock:
            return list(self._files)

    def file(self, file_id: str) -> UploadedFile | None:
        with self._lock:
            return next((f for f in self._files if f.id == file_id), None)

    def delay_file_processing(self, references: int = 1) -> None:
        """Files uploaded from now on are "still processing" for their first `references`
        uses in an image block: Slack then refuses the message with `invalid_blocks`
        ("invalid slack file"), as it does for a moment after a real upload."""
        with self._lock:
            self._processing_for = references

    def _api_files_getUploadURLExternal(self, args: dict) -> dict:
        if not args.get("filename"):
            raise ApiError("invalid_arguments")
        if not str(args.get("length") or "").isdigit() or int(args["length"]) == 0:
            raise ApiError("missing_argument")
        file_id = f"F{next(self._ids):010d}"
        self._pending_uploads[file_id] = {
            "filename": args["filename"],
            "length": int(args["length"]),
            "content": None,
        }
        return {"upload_url": f"{self.base_url}/upload/{file_id}", "file_id": file_id}

    def _api_files_completeUploadExternal(self, args: dict) -> dict:
        entries = args.get("files")
        if not isinstance(entries, list) or not entries:
            raise ApiError("invalid_arguments")
        channels = [c for c in str(args.get("channels") or "").split(",") if c]
        if args.get("channel_id"):
            channels.insert(0, args["channel_id"])
        channels = [self._postable_channel(c) for c in channels]
        for entry in entries:
            pending = self._pending_uploads.get(entry.get("id"))
            if pending is None or pending["content"] is None:
                raise ApiError("file_not_found")
        completed = []
        for entry in entries:
            pending = self._pending_uploads.pop(entry["id"])
            uploaded = UploadedFile(
                id=entry["id"],
                name=pending["filename"],
                title=entry.get("title") or pending["filename"],
                content=pending["content"],
                channels=tuple(channels),
                initial_comment=args.get("initial_comment"),
                thread_ts=args.get("thread_ts"),
            )
            self._files.append(uploaded)
            if self._processing_for:
                self._processing[uploaded.id] = self._processing_for
            completed.append(
                {
                    "id": uploaded.id,
                    "name": uploaded.name,
                    "title": uploaded.title,
                    "size": len(uploaded.content),
                    "created": int(time.time()),
                    "user": self.bot_user_id,
                    "channels": list(uploaded.channels),
                    "permalink": self.file_permalink(uploaded),
                    "url_private": self.file_url_private(uploaded),
                }
            )
        for channel in channels:
            message = self._bot_message({"text": args.get("initial_comment") or ""})
            message["files"] = json_copy(completed)
            if args.get("thread_ts"):
                message["thread_ts"] = args["thread_ts"]
            self._messages[channel].append(message)
        return {"files": completed}

    def _answer_upload(
        self, file_id: str, headers: Any, query: str, body: bytes
    ) -> tuple[str, dict, Answer]:
        args = {"file_id": file_id, "length": len(body)}
        fault = self._take_fault("file_upload")
        if fault is not None:
            return "file_upload", args, fault.answer()
        with self._lock:
            pending = self._pending_uploads.get(file_id)
            if pending is None:
                return "file_upload", args, Answer.text("file_not_found", 404, "file_not_found")
            content_type = headers.get("Content-Type", "")
            if content_type.startswith("multipart/form-data"):
                parts = multipart_parts(content_type, body)
                body = next((v for v in parts.values() if isinstance(v, bytes)), b"")
                args["length"] = len(body)
            pending["content"] = body
        return "file_upload", args, Answer.text(f"OK - {len(body)}")

    def _check_slack_files(self, blocks: Any, pointer: str, error: str = "invalid_blocks") -> None:
        """Images that show an uploaded file: Slack refuses a file it does not know, one that is
        not an image (png, jpg, jpeg, gif), and one it is still processing after the upload."""
        problems = []
        for at, reference in slack_file_references(blocks, pointer):
            uploaded = self._file_by_reference(reference)
            if uploaded is None or not uploaded.name.lower().endswith(_IMAGE_TYPES):
                problems.append(f"invalid slack file [json-pointer:{at}]")
            elif self._processing.get(uploaded.id, 0) > 0:
                self._processing[uploaded.id] -= 1
                problems.append(f"invalid slack file [json-pointer:{at}]")
        if problems:
            meta = {"messages": [f"[ERROR] {p}" for p in problems]}
            if error == "invalid_blocks":
                raise ApiError(error, errors=problems, response_metadata=meta)
            raise ApiError(error, response_metadata=meta)

    def _file_by_reference(self, reference: dict) -> UploadedFile | None:
        for uploaded in self._files:
            if reference.get("id") == uploaded.id or reference.get("url") in (
                self.file_permalink(uploaded),
                self.file_url_private(uploaded),
            ):
                return uploaded
        return None

    def file_permalink(self, uploaded: UploadedFile) -> str:
        return (
            f"https://{self.permalink_host}/files/{self.bot_user_id}/{uploaded.id}/{uploaded.name}"
        )

    def file_url_private(self, uploaded: UploadedFile) -> str:
        return f"https://files.slack.com/files-pri/{self.team_id}-{uploaded.id}/{uploaded.name}"
