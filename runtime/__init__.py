"""The processes: what starts, wires together, serves and stops everything else.

- ``environment``: ``.env`` read and empty settings dropped, before anything reads them;
- ``logs``: the one logging set-up (levels, JSON, secrets and members' words kept out);
- ``start``: what every process does as it starts — the database opened and migrated, the bot
  token checked, SIGTERM turned into a clean stop;
- ``app``: ``create_app``, the Bolt app with every listener registered (``handlers``);
- ``wsgi``: ``KindnessWsgi`` (``POST /slack/events``, ``/healthz``) and the whole web
  application built from the environment (gunicorn's ``bot.app:wsgi``);
- ``serve``: ``kindness-bot run`` and ``web`` — waitress, or Socket Mode;
- ``scheduler``: the scheduler process (``kindness-bot scheduler``, and the one inside
  ``run``) around the jobs' wiring in ``schedules.runner``;
- ``cli``: the ``kindness-bot`` command line.

This is the only package that imports the listeners, the jobs and the servers together, and
nothing imports it but the entry points (``bot/__main__.py``, ``bot/app.py``, the
``kindness-bot`` script) and the sandbox, which runs the real app (``tests/test_layers.py``).
"""
