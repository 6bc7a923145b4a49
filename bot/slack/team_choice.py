"""Which workspace a shell command is about: ``--team T``, or the only one there is.

A coordinator sets the bot up before anyone uses it, so the workspace cannot wait to be
created by a member's first command:

- with a bot token (single workspace, Socket Mode), the token's workspace is known from
  ``auth.test`` and is created on the spot — ``kindness-bot settings set channel=…`` works on
  a fresh database;
- in multi-workspace mode, a workspace that installed the app is known from its installation;
- ``--team`` must name a workspace known in one of those ways; a mistyped id is refused with
  the known ones instead of quietly starting a new, empty workspace. ``settings set --create``
  sets up a workspace the bot has not met yet (say, before the app is installed there).
"""

from __future__ import annotations

from bot.config import Config
from bot.db import Database
from bot.weeks import utc_now
from bot.workspaces import ensure_workspace, known_team_ids


class WorkspaceChoiceError(Exception):
    """The command cannot tell which workspace it is about; one sentence for the operator."""


def choose_workspace(
    db: Database,
    config: Config | None,
    given: str | None,
    *,
    create: bool | None = None,
    none_is_fine: bool = False,
) -> str | None:
    """The workspace's team id (its row exists afterwards), or None when there is none yet and
    ``none_is_fine`` (an export of an empty database is an empty export). ``create``: None for
    commands that never set up a workspace, else whether this one was told to. Without
    ``config``, only the database is asked."""
    known = _known(db, config)
    if given:
        if given in known:
            return _ensure(db, config, given)
        if create or _token_team(config) == given:
            return _ensure(db, config, given)
        hint = (
            " (or add --create to set it up before the bot has met it)" if create is False else ""
        )
        raise WorkspaceChoiceError(
            f"no workspace '{given}' is known (known: {', '.join(known) or 'none yet'}); "
            f"check the id{hint}"
        )
    if len(known) == 1:
        return _ensure(db, config, known[0])
    if len(known) > 1:
        raise WorkspaceChoiceError(
            f"several workspaces share this database; choose one with --team: {', '.join(known)}"
        )
    team = _token_team(config)
    if team:
        return _ensure(db, config, team)
    if none_is_fine:
        return None
    raise WorkspaceChoiceError(
        "no workspace is known yet: set SLACK_BOT_TOKEN so that Slack can say which workspace "
        "the bot is in, or name it: `settings --team T0123ABCD set --create …`"
    )


def _known(db: Database, config: Config | None) -> list[str]:
    with db.reading() as session:
        teams = set(known_team_ids(session))
    if config is not None and config.slack_mode == "oauth" and config.slack_client_id:
        from bot.slack.installations import installed_team_ids

        teams.update(installed_team_ids(db.engine, config.slack_client_id))
    return sorted(teams)


def _ensure(db: Database, config: Config | None, team_id: str) -> str:
    timezone = config.default_timezone if config is not None else "UTC"
    with db.session() as session:
        ensure_workspace(session, team_id, now=utc_now(), timezone=timezone)
    return team_id


def _token_team(config: Config | None) -> str | None:
    """The workspace of ``SLACK_BOT_TOKEN``, asked of Slack (``auth.test``)."""
    if config is None or not config.slack_bot_token:
        return None
    from slack_sdk.errors import SlackApiError

    from bot.slack.client import make_client

    try:
        identity = make_client(config).auth_test()
    except SlackApiError as exc:
        raise WorkspaceChoiceError(
            f"SLACK_BOT_TOKEN: Slack refused the token ({exc.response.get('error')}), so it "
            "cannot say which workspace the bot is in; copy the Bot User OAuth Token again"
        ) from None
    except OSError as exc:
        raise WorkspaceChoiceError(
            f"could not reach Slack at {config.slack_api_url} to ask which workspace the bot "
            f"token belongs to ({exc}); name the workspace with --team"
        ) from None
    team = identity.get("team_id")
    return str(team) if team else None
