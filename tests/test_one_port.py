"""One Slack port for listeners and jobs (``bot.slack.port.SlackPort``).

No module in ``handlers/`` calls a ``WebClient`` method or imports a Web API client or its
errors: a listener's Slack is the port it is given (``AfterAck.port``, or the ``slack`` a
listener asks for), and its failures arrive as ``SlackError``. Read from the source with
``ast``, as ``tests/test_layers.py`` reads imports; the checker is shown failing on made-up
snippets. Then what the port's listener methods send, through the Web API stand-in: one way to
DM a member, one way to upload a file (a member's DM opened first: ``im:write``), failures as
``SlackError``.
"""

from __future__ import annotations

import ast
import inspect
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest
from slack_sdk import WebClient

from bot.config import load_config
from bot.slack.client import WebApiSlack, make_client
from bot.slack.port import NO_ANSWER, REFUSED, SlackError, SlackPort
from conftest import SIGNING_SECRET
from sandbox import SlackStandIn

REPOSITORY = Path(__file__).resolve().parent.parent
HANDLERS = REPOSITORY / "handlers"
# What no listener may import: the Web API client and its errors (the port's SlackError
# replaces them). Bolt's own types (Ack, Respond, the installation store) are fine.
FORBIDDEN_IMPORTS = ("slack_sdk.web", "slack_sdk.errors", "slack_sdk.WebClient")

TEAM = "T0PORT"
ANN, BEN = "U0ANN", "U0BEN"


@cache
def web_client_methods() -> frozenset[str]:
    """Every public method of slack_sdk's ``WebClient`` (``chat_postMessage``…)."""
    return frozenset(
        name
        for name, _ in inspect.getmembers(WebClient, inspect.isfunction)
        if not name.startswith("_")
    )


def web_client_uses(source: str, where: str) -> Iterator[str]:
    """Each call of a ``WebClient`` method (on anything) and each import of the Web API
    client or its errors in ``source``, as a sentence."""
    methods = web_client_methods()
    for node in ast.walk(ast.parse(source, where)):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            if node.func.attr in methods:
                yield f"{where}:{node.lineno} calls WebClient.{node.func.attr}"
        elif isinstance(node, ast.ImportFrom) and node.module:
            for alias in node.names:
                name = f"{node.module}.{alias.name}"
                if name.startswith(FORBIDDEN_IMPORTS) or node.module.startswith(FORBIDDEN_IMPORTS):
                    yield f"{where}:{node.lineno} imports {name}"
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith(FORBIDDEN_IMPORTS):
                    yield f"{where}:{node.lineno} imports {alias.name}"


def test_no_listener_calls_the_web_api_client() -> None:
    found = [
        use
        for path in sorted(HANDLERS.rglob("*.py"))
        for use in web_client_uses(path.read_text(), str(path.relative_to(REPOSITORY)))
    ]
    assert not found, "listeners reach Slack through bot.slack.port.SlackPort:\n" + "\n".join(found)


def test_the_checker_finds_a_call_and_an_import_on_a_made_up_listener() -> None:
    snippet = (
        "from slack_sdk import WebClient\n"
        "from slack_sdk.errors import SlackApiError\n"
        "import slack_sdk.web.client\n"
        "def tell(slack):\n"
        "    slack.client.chat_postMessage(channel='U1', text='hi')\n"
        "    anything.views_open(trigger_id='t', view={})\n"
        "    slack.port.dm('U1', {'text': 'hi'})\n"  # the port: fine
    )
    assert list(web_client_uses(snippet, "handlers/made_up.py")) == [
        "handlers/made_up.py:1 imports slack_sdk.WebClient",
        "handlers/made_up.py:2 imports slack_sdk.errors.SlackApiError",
        "handlers/made_up.py:3 imports slack_sdk.web.client",
        "handlers/made_up.py:5 calls WebClient.chat_postMessage",
        "handlers/made_up.py:6 calls WebClient.views_open",
    ]
    assert list(web_client_uses("from slack_bolt import Ack\n", "handlers/fine.py")) == []


def test_the_in_memory_slack_offers_every_method_of_the_port() -> None:
    from fake_slack import InMemorySlack

    wanted = {name for name in vars(SlackPort) if not name.startswith("_")}
    assert wanted <= set(dir(InMemorySlack)) and wanted <= set(dir(WebApiSlack))


# -- the port's listener methods, against the Web API stand-in --------------------------------


@pytest.fixture
def standin() -> Iterator[SlackStandIn]:
    with SlackStandIn(team_id=TEAM) as running:
        running.add_user(ANN, name="ann", display_name="Ann", is_admin=True)
        running.add_user(BEN, name="ben", display_name="")
        running.add_channel("C0NET", "network")
        running.add_channel("G0PRIV", "private-things", is_private=True)
        yield running


@pytest.fixture
def slack(standin: SlackStandIn) -> WebApiSlack:
    config = load_config(
        {
            "SLACK_BOT_TOKEN": standin.bot_token,
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_API_URL": standin.api_url,
        },
        require_slack=True,
    )
    return WebApiSlack(make_client(config, backoff=0.001))


def test_a_file_for_a_member_lands_in_their_dm_opened_first(
    standin: SlackStandIn, slack: WebApiSlack
) -> None:
    uploaded = slack.upload(
        b"date,text\n", filename="log.csv", title="My log", comment="Here it is", to_member=ANN
    )

    dm = standin.last("conversations.open").args["users"]
    assert dm == ANN  # the DM is opened (im:write), never shared to the member's id
    shared_in = standin.last("files.completeUploadExternal").args["channel_id"]
    assert shared_in.startswith("D")
    [file] = standin.files
    assert (file.name, file.title, file.content) == ("log.csv", "My log", b"date,text\n")
    assert file.channels == (shared_in,) and uploaded.shared_in == (shared_in,)
    assert uploaded.file_id == file.id and uploaded.permalink
    [message] = [m for m in standin.messages_in(shared_in) if m.get("files")]
    assert message["text"] == "Here it is"


def test_a_chart_is_uploaded_shared_nowhere(standin: SlackStandIn, slack: WebApiSlack) -> None:
    uploaded = slack.upload(b"\x89PNG", filename="chart.png", title="Chart", alt_text="3 stories")

    [file] = standin.files
    assert file.channels == () and uploaded.shared_in == ()
    assert standin.calls_to("conversations.open") == []


def test_a_member_is_read_with_their_admin_flag(slack: WebApiSlack) -> None:
    ann, ben = slack.person(ANN), slack.person(BEN)
    assert (ann.is_admin, ann.name) == (True, "Ann")
    assert (ben.is_admin, ben.name, ben.username) == (False, "ben", "ben")


def test_a_conversation_says_whether_it_is_private(slack: WebApiSlack) -> None:
    network, private = slack.conversation("C0NET"), slack.conversation("G0PRIV")
    assert (network.name, network.private, network.bot_is_member) == ("network", False, True)
    assert private.private


def test_an_ephemeral_note_goes_into_its_thread(standin: SlackStandIn, slack: WebApiSlack) -> None:
    posted = slack.post("C0NET", {"text": "This week's prompt"})
    slack.ephemeral("C0NET", ANN, {"text": "Saved"}, thread_ts=posted.ts)
    [note] = standin.ephemerals(ANN)
    assert (note["text"], note["thread_ts"]) == ("Saved", posted.ts)


def test_a_reaction_and_a_link_to_a_message(standin: SlackStandIn, slack: WebApiSlack) -> None:
    posted = slack.post("C0NET", {"text": "A story"})
    slack.react("C0NET", posted.ts, "seedling")
    assert standin.last("reactions.add").args["name"] == "seedling"
    assert posted.ts.replace(".", "") in slack.permalink("C0NET", posted.ts)


def test_a_home_tab_is_published(standin: SlackStandIn, slack: WebApiSlack) -> None:
    section = {"type": "section", "text": {"type": "mrkdwn", "text": "Your log"}}
    slack.publish_home(ANN, {"type": "home", "blocks": [section]})
    [shown] = standin.home_view(ANN)["blocks"]
    assert shown["text"] == section["text"]


def test_failures_arrive_as_slack_errors_of_their_kind(
    standin: SlackStandIn, slack: WebApiSlack
) -> None:
    standin.fail_next("files.getUploadURLExternal", error="missing_scope")
    with pytest.raises(SlackError) as refused:
        slack.upload(b"x", filename="x.csv", title="x", to_member=ANN)
    assert (refused.value.kind, refused.value.error) == (REFUSED, "missing_scope")
    assert refused.value.method == "files.uploadV2"

    standin.fail_next("views.open", error="expired_trigger_id")
    with pytest.raises(SlackError) as expired:
        slack.open_modal("1.2.trigger", {"type": "modal", "title": {}, "blocks": []})
    assert expired.value.error == "expired_trigger_id"

    standin.drop_next("users.info", times=5)
    with pytest.raises(SlackError) as lost:
        slack.without_retries(timeout=2).person(ANN)
    assert lost.value.kind == NO_ANSWER and lost.value.outcome_unknown
    assert len(standin.calls_to("users.info")) == 1  # one attempt: inside Slack's 3 seconds
