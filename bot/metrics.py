"""What the bot counts for ``GET /metrics`` (Prometheus text format, prometheus_client).

- ``kindness_slack_requests_total`` and ``kindness_slack_request_duration_seconds``: by
  ``kind`` (command, event, action, view_submission, view_closed, shortcut, options, other)
  and ``outcome`` (ok, unhandled, refused, rejected, error);
- ``kindness_http_requests_total`` and ``kindness_http_request_duration_seconds``: by
  ``route`` (slack_events, install, oauth_redirect, healthz, metrics, other) and ``status``;
- ``kindness_entries_stored_total``: by ``source`` (slash, modal, thread, shortcut);
- ``kindness_jobs_total``: by ``job`` (prompt, digest, nudges) and ``outcome`` (posted,
  already, paused, no_channel, unavailable, failed, skipped; ran for nudges);
- ``kindness_claims_total``: by ``job`` and ``result`` (taken, lost to another run);
- ``kindness_slack_api_errors_total``: by ``method`` (chat.postMessage, …) and ``error``
  (Slack's error name, ``http_503``, ``connection_error``);
- ``kindness_nudges_sent_total``: DMs by ``kind`` (follow_up, quiet, dm_prompt).

Slack requests are timed from Bolt receiving them to the answer Slack gets (what Slack's
3 seconds measure); HTTP requests from the WSGI server handing them over to the last byte
(``runtime.metrics.MetricsWsgi``, which also serves ``GET /metrics``).

Several processes: with ``PROMETHEUS_MULTIPROC_DIR`` set (``deploy/gunicorn.conf.py`` sets it),
every process writes its figures to files there and ``/metrics`` adds up the files of every
process — each gunicorn worker, and a ``kindness-bot scheduler`` on the same machine given the
same directory. prometheus_client chooses that mode when it is first imported, so this module
imports it only when the first figure is recorded or read: after ``runtime.environment``
has read ``.env``.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

StartResponse = Callable[..., Any]
# Slack's 3 seconds is the line that matters; most answers take milliseconds.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0, 10.0)
_INTERACTIONS = {
    "block_actions": "action",
    "view_submission": "view_submission",
    "view_closed": "view_closed",
    "shortcut": "shortcut",
    "message_action": "shortcut",
    "block_suggestion": "options",
}


@dataclass(frozen=True)
class _Metrics:
    slack_requests: Any
    slack_seconds: Any
    http_requests: Any
    http_seconds: Any
    entries: Any
    jobs: Any
    claims: Any
    api_errors: Any
    nudges: Any


_creating = threading.Lock()


def _metrics() -> _Metrics:
    # Created once, on first use, whichever request thread gets there first.
    with _creating:
        return _create_metrics()


@cache
def _create_metrics() -> _Metrics:
    from prometheus_client import Counter, Histogram

    return _Metrics(
        slack_requests=Counter(
            "kindness_slack_requests",
            "Requests from Slack (HTTP or Socket Mode) by kind and outcome",
            ["kind", "outcome"],
        ),
        slack_seconds=Histogram(
            "kindness_slack_request_duration_seconds",
            "Time from Bolt receiving a Slack request to the answer Slack gets",
            ["kind"],
            buckets=LATENCY_BUCKETS,
        ),
        http_requests=Counter(
            "kindness_http_requests", "HTTP requests by route and status", ["route", "status"]
        ),
        http_seconds=Histogram(
            "kindness_http_request_duration_seconds",
            "Time to answer an HTTP request, by route",
            ["route"],
            buckets=LATENCY_BUCKETS,
        ),
        entries=Counter(
            "kindness_entries_stored", "Entries stored in the learning log, by source", ["source"]
        ),
        jobs=Counter(
            "kindness_jobs", "Runs of scheduled jobs by job and outcome", ["job", "outcome"]
        ),
        claims=Counter(
            "kindness_claims",
            "Claims on a scheduled post or nudge: taken by this process, or lost to another",
            ["job", "result"],
        ),
        api_errors=Counter(
            "kindness_slack_api_errors",
            "Slack Web API calls answered with an error, by method and error",
            ["method", "error"],
        ),
        nudges=Counter("kindness_nudges_sent", "Nudges sent by DM, by kind", ["kind"]),
    )


# -- recording ----------------------------------------------------------------------------------


def slack_request_kind(body: dict[str, Any]) -> str:
    """What Slack sent, from the parsed body Bolt holds."""
    if body.get("command"):
        return "command"
    if body.get("type") == "event_callback" or "event" in body:
        return "event"
    return _INTERACTIONS.get(str(body.get("type")), "other")


def outcome_of(status: int) -> str:
    if 200 <= status < 300:
        return "ok"
    if status == 404:
        return "unhandled"  # no listener: Bolt answers 404 (and Slack retries an event)
    if status in (401, 403):
        return "refused"
    if 400 <= status < 500:
        return "rejected"
    return "error"


def slack_request(kind: str, status: int, seconds: float) -> None:
    m = _metrics()
    m.slack_requests.labels(kind=kind, outcome=outcome_of(status)).inc()
    m.slack_seconds.labels(kind=kind).observe(seconds)


def http_request(route: str, status: int, seconds: float) -> None:
    m = _metrics()
    m.http_requests.labels(route=route, status=str(status)).inc()
    m.http_seconds.labels(route=route).observe(seconds)


def entry_stored(source: str) -> None:
    _metrics().entries.labels(source=source).inc()


def job_ran(job: str, outcome: str) -> None:
    _metrics().jobs.labels(job=job, outcome=outcome).inc()


def claim(job: str, *, taken: bool) -> None:
    _metrics().claims.labels(job=job, result="taken" if taken else "lost").inc()


def slack_api_error(method: str, error: str) -> None:
    _metrics().api_errors.labels(method=method, error=error).inc()


def nudges_sent(kind: str, count: int = 1) -> None:
    if count:
        _metrics().nudges.labels(kind=kind).inc(count)


# -- reading ------------------------------------------------------------------------------------


def exposition() -> tuple[bytes, str]:
    """The text Prometheus scrapes, and its content type: this process's figures, or with
    ``PROMETHEUS_MULTIPROC_DIR`` those of every process writing there."""
    from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest
    from prometheus_client.multiprocess import MultiProcessCollector

    _metrics()  # every family is listed, at zero, before anything happened
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        MultiProcessCollector(registry)
        return generate_latest(registry), CONTENT_TYPE_LATEST
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST
