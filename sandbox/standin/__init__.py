"""Slack's Web API, response URLs and file uploads, served on 127.0.0.1: `SlackStandIn`.

One object, for tests and for `kindness-bot sandbox` alike, built from one part per concern:

    workspace       the state: who the workspace is, people, channels, DMs, messages, ids
    protocol        how arguments arrive and answers look (forms, JSON strings, paging)
    recording       what the bot did: every call, every response_url post
    faults          failures a test asks for: errors, dropped connections, holds, rate limits
    users           users.info, users.list, team.info; `add_user`
    conversations   conversations.*; `add_channel`, DMs and group DMs
    chat            chat.*: posting, updating, deleting messages; Slack's checks on a message
    reactions       reactions.add / remove
    files           the external upload flow, and images that show an uploaded file
    views           modals, Home tabs, triggers, a submission's response_action
    response_urls   response URLs, and the ephemeral answers Slack shows without the Web API
    oauth           tokens, OAuth installs, token rotation, auth.test, apps.connections.open
    people          what people do outside the bot's calls (SlackDriver's and the page's side)
    persistence     the workspace kept between sandbox runs (`sandbox-slack.json`)
    server          serving on 127.0.0.1, routing, the token check, recording the call

Why mixins over one workspace rather than parts composed side by side: the families share one
workspace under one lock and lean on each other — an upload posts a message, a message checks
its images against the uploads, a response_url post is checked like a message — and tests and
the sandbox call ~70 public methods on one object. Composed parts would need that object to
forward each of those methods by hand, and each part a handle on the others. As mixins, each
part is a class holding its own state (set up by its `_init_…`) and methods; a part that uses
another's names inherits from it (`Chat(Files)`, `Files(Faults)`, every part from
`Workspace`), so a reader finds where a name comes from by following the bases, and the server
dispatches `/api/<method>` by name to whichever part defines `_api_<method>`. Each module's
docstring says what it serves and the judgement calls behind it, where Slack's documentation
and recorded responses did not settle a detail.

Standard library only (and `bot.manifest`'s scope list), so the `kindness-bot sandbox` command
can use it as well as the tests. Block Kit's limits are `sandbox.blockkit`'s.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from sandbox.standin.chat import Chat
from sandbox.standin.conversations import Conversations
from sandbox.standin.faults import Faults
from sandbox.standin.files import Files, UploadedFile
from sandbox.standin.oauth import OAuth, TokenHolder
from sandbox.standin.people import People
from sandbox.standin.persistence import Persistence
from sandbox.standin.reactions import Reactions
from sandbox.standin.recording import Call, Recording
from sandbox.standin.response_urls import ResponseUrls
from sandbox.standin.server import Server
from sandbox.standin.users import Users
from sandbox.standin.views import Views
from sandbox.standin.workspace import Workspace

__all__ = ["Call", "SlackStandIn", "TokenHolder", "UploadedFile"]


class SlackStandIn(
    Server,
    OAuth,
    People,
    Conversations,
    Users,
    Chat,
    Reactions,
    Persistence,
    Views,
    ResponseUrls,
    Files,
    Faults,
    Recording,
    Workspace,
):
    """Slack's Web API, response URLs and file uploads, served on 127.0.0.1.

    State is a small believable workspace; add people and channels with `add_user` and
    `add_channel`. The bot's own user exists from the start.
    """

    def __init__(
        self,
        team_id: str = "T0KIND",
        team_name: str = "Kindness Network",
        bot_user_id: str = "UKINDBOT",
        bot_token: str = "xoxb-standin-token",
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        permalink_host: str | None = None,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.time,
    ) -> None:
        """`clock` (seconds since the epoch) stamps messages; the sandbox moves it forward."""
        if host != "127.0.0.1":
            raise ValueError("the stand-in binds 127.0.0.1 only")
        self._init_workspace(
            team_id, team_name, bot_user_id, permalink_host=permalink_host, clock=clock
        )
        self._init_recording()
        self._init_faults(monotonic=monotonic, sleep=sleep)
        self._init_oauth(bot_token)
        self._init_files()
        self._init_views()
        self._init_response_urls()
        self._init_server(host, port)
        self.add_user(bot_user_id, name="kindness", real_name="Kindness Bot", tz="UTC", is_bot=True)
