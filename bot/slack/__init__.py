"""The Slack adapters: every module of the bot that talks to Slack itself (slack_sdk, Bolt).

- ``port``: ``SlackPort``, the one narrow interface through which listeners and jobs reach
  Slack, and ``SlackError``, the one way a Slack failure reaches them;
- ``client``: the Web API clients, per workspace, with their retry handlers, and ``WebApiSlack``,
  the port on the Web API;
- ``installations``: Bolt's store of per-workspace tokens, in our database;
- ``token_rotation``: rotating tokens refreshed, one process at a time;
- ``inbound``: Slack's requests read and verified before Bolt sees them;
- ``names``: members' and channels' names asked of Slack;
- ``team_choice``: which workspace a command is about, asked of Slack if need be;
- ``chart_uploads``: the network's chart uploaded to Slack for App Home;
- ``admins``: coordinators, Slack's admins beside the database's.

Listeners, jobs and the processes use them; the core (the rest of ``bot``) and the words
(``bot.blocks``) never do (``tests/test_layers.py``).
"""
