"""gunicorn settings for the web half of kindness-bot (``POST /slack/events``, ``/healthz``,
``/metrics``)::

    gunicorn -c deploy/gunicorn.conf.py bot.app:wsgi

Run one or more of these, and the scheduled jobs apart (``kindness-bot scheduler``), against
one database (PostgreSQL when they are on several machines). Settings come from the
environment, or ``.env`` in the working directory, exactly as for ``kindness-bot``:

- ``HOST``, ``PORT``: where to listen (default 0.0.0.0:3000);
- ``WEB_CONCURRENCY``: worker processes (default 2), each with 8 threads;
- ``PROMETHEUS_MULTIPROC_DIR``: where the workers keep their figures so that ``/metrics``
  adds them up (a fresh temporary directory by default). Give the scheduler the same
  directory, on the same machine, and its jobs show at ``/metrics`` too (the systemd units in
  this directory do);
- ``LOG_LEVEL``, ``LOG_FORMAT``: gunicorn's own lines are logged like the bot's.

No access log: Slack's traffic would flood it, and ``/metrics`` counts requests by route and
status.
"""

import os
import shutil
import tempfile

from runtime.environment import load_environment
from runtime.logs import gunicorn_logconfig

# Before anything imports prometheus_client (it picks its mode when first imported).
load_environment()
_made_metrics_dir = None
if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    _made_metrics_dir = tempfile.mkdtemp(prefix="kindness-bot-metrics-")
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = _made_metrics_dir

bind = f"{os.environ.get('HOST', '0.0.0.0')}:{os.environ.get('PORT', '3000')}"
worker_class = "gthread"
workers = int(os.environ.get("WEB_CONCURRENCY") or "2")
threads = 8
# Slack wants an answer within 3 seconds; a worker stuck for 30 is restarted.
timeout = 30
graceful_timeout = 20
keepalive = 5
accesslog = None
logconfig_dict = gunicorn_logconfig(os.environ)


def child_exit(server, worker):
    from runtime.metrics import process_exited

    process_exited(worker.pid)


def on_exit(server):
    if _made_metrics_dir:
        shutil.rmtree(_made_metrics_dir, ignore_errors=True)
