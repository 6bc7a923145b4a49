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
from bot.organisations import get_or_create_organisation, organisation_of, set_member_organisation
from bot.services import Services
from sandbox.example_round import add_example_round
from sandbox.standin import SlackStandIn

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
    organisation: tuple[str, str, str] | None = None  # name, sector, place


MEMBERS = (
    Member(
        "U0MORAG",
        "morag",
        "Morag Campbell",
        "Europe/London",
        "coordinator · a council's head of community services",
        is_admin=True,
        organisation=("Fife Council", "public", "Scotland"),
    ),
    Member(
        "U0DEVI",
        "devi",
        "Devi Raman",
        "America/Toronto",
        "member · runs a community food charity",
        organisation=("Parkdale Community Food Bank", "voluntary", "Ontario"),
    ),
    Member(
        "U0TAMA",
        "tama",
        "Tama Ngata",
        "Pacific/Auckland",
        "member · a housing association's customer lead",
        organisation=("Kāinga Housing Association", "community", "Aotearoa New Zealand"),
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
            # As people set it in Slack: what the bot names them by.
            display_name=member.real_name.split()[0],
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


@dataclass(frozen=True)
class Example:
    days_ago: float  # before the sandbox's now
    member: int  # index in MEMBERS
    kind: str
    goal: int  # position in the framework in use
    text: str
    visibility: str = "network"
    reflection: str | None = None  # an action done, with what was learnt
    why_it_matters: str | None = None  # a story's or outcome's
    who_changed: str | None = None  # an outcome's
    how_we_know: str | None = None


EXAMPLES = (
    Example(
        days_ago=27.2,
        member=0,
        kind="story",
        goal=2,
        text=(
            "A family told us our letter made them feel like a case number. We rang them "
            "instead, listened for half an hour, and rewrote the letter with them."
        ),
        why_it_matters=(
            "The letter goes to 400 families a year. The new one was written with a family, "
            "and the first replies say it reads like it came from a person."
        ),
    ),
    Example(
        days_ago=26.5,
        member=1,
        kind="action",
        goal=1,
        text=(
            "Give every volunteer one shift a month with no targets — just time to talk with "
            "the people who come in."
        ),
        reflection="People told us things they had never mentioned at the counter.",
    ),
    Example(
        days_ago=25.1,
        member=2,
        kind="reflection",
        goal=4,
        text=(
            "During the lockdowns we phoned every tenant over 70. Nobody asked us to stop "
            "doing it; we just drifted back to letters. Worth asking why."
        ),
    ),
    Example(
        days_ago=23.8,
        member=0,
        kind="story",
        goal=3,
        text=(
            "A manager waived the missed-appointment rule for a carer whose mum had a fall. "
            "The policy allowed it all along; nobody had felt they could."
        ),
        visibility="anonymous",
    ),
    Example(
        days_ago=21.3,
        member=1,
        kind="story",
        goal=5,
        text=(
            "We counted how many people came back a second time after a first warm welcome: "
            "64%, against 31% the year before."
        ),
    ),
    Example(
        days_ago=20.6,
        member=2,
        kind="action",
        goal=3,
        text=(
            "Take the 'three strikes' line out of our repairs letter and ask the team what "
            "they would write instead."
        ),
    ),
    Example(
        days_ago=19.9,
        member=0,
        kind="reflection",
        goal=0,
        text=(
            "Putting 'kindness' in the service plan felt awkward until a councillor quoted it"
            " back to us in a budget meeting."
        ),
    ),
    Example(
        days_ago=18.2,
        member=1,
        kind="story",
        goal=2,
        text=(
            "I snapped at a volunteer today and apologised an hour later. Writing it here so "
            "I remember how much better the afternoon went after."
        ),
        visibility="private",
    ),
    Example(
        days_ago=16.7,
        member=2,
        kind="story",
        goal=1,
        text=(
            "Our director sat on the phones for a morning. The team saw her bend a rule for a"
            " tenant in tears — and now they do it too."
        ),
    ),
    Example(
        days_ago=14.4,
        member=0,
        kind="action",
        goal=5,
        text=(
            "Ask each team to bring one story of kindness making a difference to the "
            "quarterly review, alongside the numbers."
        ),
        reflection="The stories were what the board remembered.",
    ),
    Example(
        days_ago=13.1,
        member=1,
        kind="reflection",
        goal=3,
        text=(
            "The risk form takes longer than the visit. I am not sure the form makes anyone safer."
        ),
        visibility="anonymous",
    ),
    Example(
        days_ago=12.5,
        member=2,
        kind="story",
        goal=2,
        text=(
            "A tenant we had only ever written to about arrears came to the drop-in. Over tea"
            " we found she was owed a benefit she had never claimed."
        ),
    ),
    Example(
        days_ago=10.8,
        member=0,
        kind="story",
        goal=4,
        text=(
            "We kept the 'no wrong door' phone line we set up in the pandemic. This week it "
            "caught a man who had been passed between four departments."
        ),
    ),
    Example(
        days_ago=9.6,
        member=1,
        kind="action",
        goal=0,
        text="Add one line on kindness to every job advert and ask about it at interview.",
    ),
    Example(
        days_ago=8.2,
        member=2,
        kind="reflection",
        goal=5,
        text=(
            "Measuring kindness does not have to mean a survey. Repeat visits, complaints "
            "that turn into thank-yous, staff who stay: the signs are already in our data."
        ),
    ),
    Example(
        days_ago=6.4,
        member=0,
        kind="story",
        goal=1,
        text=(
            "I told my team they could spend up to £50 without asking, to put something right"
            " for a resident. In a month they spent £212 and saved two formal complaints."
        ),
    ),
    Example(
        days_ago=5.3,
        member=1,
        kind="story",
        goal=3,
        text=(
            "We stopped asking for ID at the food bank door. Nobody abused it; more people "
            "who needed help came in."
        ),
    ),
    Example(
        days_ago=4.1,
        member=2,
        kind="action",
        goal=2,
        text="Call three tenants this week just to ask how they are — no agenda.",
    ),
    Example(
        days_ago=3.2,
        member=0,
        kind="reflection",
        goal=2,
        text="Listening without an agenda is harder than it sounds: I kept wanting to fix things.",
    ),
    Example(
        days_ago=2.5,
        member=1,
        kind="story",
        goal=0,
        text=(
            "Our trustees agreed to add 'we are kind' to the charity's values after hearing "
            "three volunteers' stories."
        ),
    ),
    Example(
        days_ago=1.6,
        member=2,
        kind="story",
        goal=4,
        text=(
            "Flexible hours came back through the side door: the team simply kept them, and "
            "the work got done."
        ),
        visibility="anonymous",
    ),
    Example(
        days_ago=0.7,
        member=0,
        kind="action",
        goal=3,
        text="Review the missed-appointment policy with two people who were turned away by it.",
    ),
    Example(
        days_ago=20.3,
        member=1,
        kind="outcome",
        goal=2,
        text=(
            "Volunteers now sit down with people at the counter instead of standing behind it; "
            "nobody asked them to, they started after the no-target shifts."
        ),
        why_it_matters=(
            "People who come in say they feel like guests, not cases — and more of them tell us "
            "what else is going on, so we can point them to help sooner."
        ),
        who_changed="staff",
        how_we_know="seen",
    ),
    Example(
        days_ago=9.4,
        member=0,
        kind="outcome",
        goal=5,
        text=(
            "The council's complaints about letters fell from 31 last quarter to 12 since the "
            "letters were rewritten with families."
        ),
        why_it_matters="Fewer families start their dealings with us angry or afraid.",
        who_changed="organisation",
        how_we_know="figures",
    ),
    Example(
        days_ago=3.2,
        member=2,
        kind="outcome",
        goal=3,
        text=(
            "Two partner agencies now join our tenant phone round, so one call covers three "
            "services."
        ),
        who_changed="partners",
        how_we_know="told",
    ),
)


def add_examples(services: Services, team_id: str, now: datetime) -> int:
    "''Store the example entries (once); returns how many were new.''"
    moment = [now]
    log = LearningLog(
        services.db,
        services.framework,
        clock=lambda: moment[0],
        default_timezone=services.config.default_timezone,
    )
    goals = services.framework.goals
    _seed_organisations(services, team_id, now - timedelta(days=28))
    added = 0
    for number, example in enumerate(EXAMPLES):
        moment[0] = now - timedelta(days=example.days_ago)
        member = MEMBERS[example.member]
        saved = log.add_entry(
            team_id,
            member.id,
            example.text,
            kind=example.kind,
            goal=goals[example.goal % len(goals)].key,
            visibility=example.visibility,
            source="slash" if number % 2 else "modal",
            dedupe_key=f"sandbox-example:{number}",
            why_it_matters=example.why_it_matters,
            who_changed=example.who_changed,
            how_we_know=example.how_we_know,
            # Some stories shared beyond the network, so that the site's preview has some.
            share=_shared_example(example, number),
        )
        added += saved.created
        if saved.created and example.reflection is not None:
            moment[0] = min(now, moment[0] + timedelta(days=6))
            log.complete_action(team_id, member.id, saved.entry.id, example.reflection)
    # The round comes after the stories it shortlists (sandbox.example_round).
    add_example_round(services, team_id, now, [m.id for m in MEMBERS])
    return added


def _shared_example(example: Example, number: int) -> bool:
    """One story or outcome in two, unless private, agreed by its author to share."""
    return (
        example.kind in ("story", "outcome") and example.visibility != "private" and number % 2 == 0
    )


def _seed_organisations(services: Services, team_id: str, now: datetime) -> None:
    """Each member's organisation, with its sector and place, as if they had said so with
    `/kindness org` before the examples (a member who has since chosen otherwise keeps it)."""
    with services.db.session() as session:
        for member in MEMBERS:
            if member.organisation is None or organisation_of(session, team_id, member.id):
                continue
            name, sector, place = member.organisation
            organisation = get_or_create_organisation(session, team_id, name, now=now)
            organisation.sector, organisation.place = sector, place
            set_member_organisation(session, team_id, member.id, organisation, now=now)
