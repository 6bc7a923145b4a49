"""The sandbox's made-up network: three members, two channels, and example entries on request.

The members live in three time zones so that quiet hours, dates and nudges can be seen from
each side; one of them is a Slack workspace admin, so she is a coordinator the way a real
workspace makes one (the bot asks users.info, as in production).

Example entries are stored through the learning log's own service (`LearningLog.add_entry`,
`complete_action`) with the clock set back to when each was "written", spread over the four
weeks before the sandbox's now, so the digest, `/kindness stats` and search have something to
show. Each carries a dedupe key, so pressing the button twice adds them once. Goals are taken
by position in the framework in use (the first goal, the second…), so a network trying its own
`KINDNESS_GOALS_FILE` gets examples too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.learning_log import LearningLog
from bot.services import Services
from sandbox.web_api import SlackStandIn

NETWORK_CHANNEL = "C0KINDNET"
NETWORK_CHANNEL_NAME = "kindness-network"
GENERAL_CHANNEL = "C0GENERAL"


@dataclass(frozen=True)
class Member:
    id: str
    name: str
    real_name: str
    tz: str
    role: str
    is_admin: bool = False


MEMBERS = (
    Member(
        "U0MORAG",
        "morag",
        "Morag Campbell",
        "Europe/London",
        "coordinator · a council's head of community services",
        is_admin=True,
    ),
    Member(
        "U0DEVI",
        "devi",
        "Devi Raman",
        "America/Toronto",
        "member · runs a community food charity",
    ),
    Member(
        "U0TAMA",
        "tama",
        "Tama Ngata",
        "Pacific/Auckland",
        "member · a housing association's customer lead",
    ),
)
COORDINATOR = MEMBERS[0]


def seed_workspace(standin: SlackStandIn) -> None:
    """People and channels of a new sandbox: everyone in both channels, the bot only in the
    network channel (so `/kindness` in #general shows commands work where the bot is not)."""
    for member in MEMBERS:
        standin.add_user(
            member.id,
            name=member.name,
            real_name=member.real_name,
            tz=member.tz,
            is_admin=member.is_admin,
        )
    standin.add_channel(NETWORK_CHANNEL, NETWORK_CHANNEL_NAME)
    standin.add_channel(GENERAL_CHANNEL, "general", bot_is_member=False)
    for channel in (NETWORK_CHANNEL, GENERAL_CHANNEL):
        for member in MEMBERS:
            standin.join_channel(channel, member.id, announce=False)


def seed_settings(services: Services, team_id: str) -> None:
    """The coordinator has chosen the network channel and her time zone, as she would with
    `/kindness settings` — so the clock panel can post straight away."""
    services.settings.apply(
        team_id,
        {"channel": NETWORK_CHANNEL, "timezone": COORDINATOR.tz},
        by_user=COORDINATOR.id,
    )


# (days before now, member index, kind, goal position, visibility, text, reflection when done)
_EXAMPLES: tuple[tuple[float, int, str, int, str, str, str | None], ...] = (
    (
        27.2,
        0,
        "story",
        2,
        "network",
        "A family told us our letter made them feel like a case number. We rang them instead, "
        "listened for half an hour, and rewrote the letter with them.",
        None,
    ),
    (
        26.5,
        1,
        "action",
        1,
        "network",
        "Give every volunteer one shift a month with no targets — just time to talk with the "
        "people who come in.",
        "People told us things they had never mentioned at the counter.",
    ),
    (
        25.1,
        2,
        "reflection",
        4,
        "network",
        "During the lockdowns we phoned every tenant over 70. Nobody asked us to stop doing it; "
        "we just drifted back to letters. Worth asking why.",
        None,
    ),
    (
        23.8,
        0,
        "story",
        3,
        "anonymous",
        "A manager waived the missed-appointment rule for a carer whose mum had a fall. The "
        "policy allowed it all along; nobody had felt they could.",
        None,
    ),
    (
        21.3,
        1,
        "story",
        5,
        "network",
        "We counted how many people came back a second time after a first warm welcome: 64%, "
        "against 31% the year before.",
        None,
    ),
    (
        20.6,
        2,
        "action",
        3,
        "network",
        "Take the 'three strikes' line out of our repairs letter and ask the team what they "
        "would write instead.",
        None,
    ),
    (
        19.9,
        0,
        "reflection",
        0,
        "network",
        "Putting 'kindness' in the service plan felt awkward until a councillor quoted it back "
        "to us in a budget meeting.",
        None,
    ),
    (
        18.2,
        1,
        "story",
        2,
        "private",
        "I snapped at a volunteer today and apologised an hour later. Writing it here so I "
        "remember how much better the afternoon went after.",
        None,
    ),
    (
        16.7,
        2,
        "story",
        1,
        "network",
        "Our director sat on the phones for a morning. The team saw her bend a rule for a "
        "tenant in tears — and now they do it too.",
        None,
    ),
    (
        14.4,
        0,
        "action",
        5,
        "network",
        "Ask each team to bring one story of kindness making a difference to the quarterly "
        "review, alongside the numbers.",
        "The stories were what the board remembered.",
    ),
    (
        13.1,
        1,
        "reflection",
        3,
        "anonymous",
        "The risk form takes longer than the visit. I am not sure the form makes anyone safer.",
        None,
    ),
    (
        12.5,
        2,
        "story",
        2,
        "network",
        "A tenant we had only ever written to about arrears came to the drop-in. Over tea we "
        "found she was owed a benefit she had never claimed.",
        None,
    ),
    (
        10.8,
        0,
        "story",
        4,
        "network",
        "We kept the 'no wrong door' phone line we set up in the pandemic. This week it caught "
        "a man who had been passed between four departments.",
        None,
    ),
    (
        9.6,
        1,
        "action",
        0,
        "network",
        "Add one line on kindness to every job advert and ask about it at interview.",
        None,
    ),
    (
        8.2,
        2,
        "reflection",
        5,
        "network",
        "Measuring kindness does not have to mean a survey. Repeat visits, complaints that turn "
        "into thank-yous, staff who stay: the signs are already in our data.",
        None,
    ),
    (
        6.4,
        0,
        "story",
        1,
        "network",
        "I told my team they could spend up to £50 without asking, to put something right for "
        "a resident. In a month they spent £212 and saved two formal complaints.",
        None,
    ),
    (
        5.3,
        1,
        "story",
        3,
        "network",
        "We stopped asking for ID at the food bank door. Nobody abused it; more people who "
        "needed help came in.",
        None,
    ),
    (
        4.1,
        2,
        "action",
        2,
        "network",
        "Call three tenants this week just to ask how they are — no agenda.",
        None,
    ),
    (
        3.2,
        0,
        "reflection",
        2,
        "network",
        "Listening without an agenda is harder than it sounds: I kept wanting to fix things.",
        None,
    ),
    (
        2.5,
        1,
        "story",
        0,
        "network",
        "Our trustees agreed to add 'we are kind' to the charity's values after hearing three "
        "volunteers' stories.",
        None,
    ),
    (
        1.6,
        2,
        "story",
        4,
        "anonymous",
        "Flexible hours came back through the side door: the team simply kept them, and the "
        "work got done.",
        None,
    ),
    (
        0.7,
        0,
        "action",
        3,
        "network",
        "Review the missed-appointment policy with two people who were turned away by it.",
        None,
    ),
)


def add_examples(services: Services, team_id: str, now: datetime) -> int:
    """Store the example entries (once); returns how many were new."""
    moment = [now]
    log = LearningLog(
        services.db,
        services.framework,
        clock=lambda: moment[0],
        default_timezone=services.config.default_timezone,
    )
    goals = services.framework.goals
    added = 0
    for number, (days_ago, who, kind, goal, visibility, text, reflection) in enumerate(_EXAMPLES):
        moment[0] = now - timedelta(days=days_ago)
        member = MEMBERS[who]
        saved = log.add_entry(
            team_id,
            member.id,
            text,
            kind=kind,
            goal=goals[goal % len(goals)].key,
            visibility=visibility,
            source="slash" if number % 2 else "modal",
            dedupe_key=f"sandbox-example:{number}",
        )
        added += saved.created
        if saved.created and reflection is not None:
            moment[0] = min(now, moment[0] + timedelta(days=6))
            log.complete_action(team_id, member.id, saved.entry.id, reflection)
    return added
