"""``GET /metrics``: what an operator's Prometheus sees after members and jobs did things.

The figures live in this test process's registry, so each test reads what changed."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.background import BackgroundScheduler
from prometheus_client import REGISTRY

from bot.slack.client import WebApiSlack, make_client
from conftest import BotUnderTest, FakeClock
from runtime.app import create_app
from runtime.metrics import MetricsWsgi
from runtime.wsgi import KindnessWsgi
from schedules.runner import Rhythm

MONDAY_10 = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


def value(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def changes(*samples: tuple[str, dict]) -> Callable[[], list[float]]:
    """Read ``samples`` now; the returned function gives how much each has grown since."""
    before = [value(name, **labels) for name, labels in samples]

    def since() -> list[float]:
        return [
            value(name, **labels) - b for (name, labels), b in zip(samples, before, strict=True)
        ]

    return since


def test_slack_requests_are_counted_by_kind_and_outcome_and_timed(bot: BotUnderTest) -> None:
    grown = changes(
        ("kindness_slack_requests_total", {"kind": "command", "outcome": "ok"}),
        ("kindness_slack_requests_total", {"kind": "event", "outcome": "ok"}),
        ("kindness_slack_request_duration_seconds_count", {"kind": "command"}),
        ("kindness_entries_stored_total", {"source": "slash"}),
    )
    bot.slack.command("log g2 Gave the team the afternoon to visit families", user="UANN")
    bot.slack.command("help", user="UANN")
    # Refused before Bolt (bot.slack.inbound): counted with HTTP requests, not as a Slack request.
    assert bot.slack.command("help", signature="v0=forged").status == 401
    bot.slack.event(bot.slack.app_home_opened("UANN"))
    assert grown() == [2, 1, 2, 1]


def test_slack_api_errors_are_counted_by_method_and_error(bot: BotUnderTest) -> None:
    bot.expect_errors = True  # the form cannot open: the bot logs it
    grown = changes(
        (
            "kindness_slack_api_errors_total",
            {"method": "views.open", "error": "expired_trigger_id"},
        ),
        (
            "kindness_slack_api_errors_total",
            {"method": "chat.postMessage", "error": "service_unavailable"},
        ),
    )
    bot.standin.fail_next("views.open", error="expired_trigger_id")
    bot.slack.command("log", user="UANN")
    bot.standin.fail_next("chat.postMessage", status=503)
    make_client(bot.services.config, backoff=0.01).chat_postMessage(channel="UANN", text="hi")
    assert grown() == [1, 1], "one refusal each (the 503 was then retried and went through)"


def test_jobs_claims_and_nudges_are_counted(bot: BotUnderTest, clock: FakeClock) -> None:
    team = bot.standin.team_id
    bot.standin.add_channel("CNETWORK", "kindness-network")
    bot.services.settings.apply(team, {"channel": "CNETWORK"}, by_user="UCOORD")
    scheduler = BackgroundScheduler(timezone="UTC")
    rhythm = Rhythm(
        bot.services,
        lambda team: WebApiSlack(make_client(bot.services.config, backoff=0.01)),
        scheduler,
    )
    grown = changes(
        ("kindness_jobs_total", {"job": "prompt", "outcome": "posted"}),
        ("kindness_jobs_total", {"job": "prompt", "outcome": "already"}),
        ("kindness_claims_total", {"job": "prompt", "result": "taken"}),
        ("kindness_claims_total", {"job": "prompt", "result": "lost"}),
        ("kindness_jobs_total", {"job": "nudges", "outcome": "ran"}),
        ("kindness_nudges_sent_total", {"kind": "follow_up"}),
    )
    clock.set(MONDAY_10)
    assert rhythm.run_prompt(team).status == "posted"
    assert rhythm.run_prompt(team).status == "already"
    bot.standin.add_user("UANN", name="ann", tz="Europe/London")
    bot.services.log.add_entry(team, "UANN", "Phone three families", kind="action", goal="g3")
    clock.set(MONDAY_10 + timedelta(days=8, hours=4))  # a weekday afternoon, follow-up due
    assert rhythm.run_nudges(team).sent == 1
    assert grown() == [1, 1, 1, 1, 1, 1]


def test_the_endpoint_speaks_prometheus_and_counts_http_by_route(bot: BotUnderTest) -> None:
    served = {
        "health and metrics only": MetricsWsgi(KindnessWsgi(None, bot.services)),
        "with Slack": MetricsWsgi(KindnessWsgi(create_app(bot.services), bot.services)),
    }
    grown = changes(
        ("kindness_http_requests_total", {"route": "healthz", "status": "200"}),
        ("kindness_http_requests_total", {"route": "other", "status": "404"}),
        ("kindness_http_requests_total", {"route": "slack_events", "status": "401"}),
    )

    def get(
        path: str, method: str = "GET", app: str = "health and metrics only"
    ) -> tuple[str, dict[str, str], bytes]:
        answer: dict = {}

        def start_response(status: str, headers: list, exc_info=None) -> None:
            answer.update(status=status, headers=dict(headers))

        environ = {"PATH_INFO": path, "REQUEST_METHOD": method, "wsgi.input": io.BytesIO()}
        body = b"".join(served[app](environ, start_response))
        return answer["status"], answer["headers"], body

    assert get("/healthz")[0] == "200 OK"
    assert get("/nowhere")[0].startswith("404")
    assert get("/slack/events", "POST", "with Slack")[0].startswith("401"), "unsigned"
    status, headers, body = get("/metrics")
    assert status == "200 OK"
    assert headers["Content-Type"].startswith("text/plain; version=")
    text = body.decode()
    for family in (
        "kindness_slack_requests_total",
        "kindness_slack_request_duration_seconds",
        "kindness_entries_stored_total",
        "kindness_jobs_total",
        "kindness_claims_total",
        "kindness_slack_api_errors_total",
        "kindness_nudges_sent_total",
        "kindness_http_requests_total",
    ):
        assert f"# TYPE {family.removesuffix('_total')}" in text, family
    assert grown() == [1, 1, 1]
