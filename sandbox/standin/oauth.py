"""Tokens and installs: who a token belongs to, OAuth installs into several workspaces, token
rotation, auth.test, and the app-level token Socket Mode opens its connection with.

Judgement calls:
- Several workspaces (`add_oauth_app`, `approve_install`, `oauth.v2.access`) each get their own
  bot token, and `auth.test` answers with the token's workspace; they share one set of people
  and channels. An org-wide install (Enterprise Grid) is an install with an enterprise id and
  no team id.
- oauth.v2.access takes the app's client id and secret (HTTP Basic, as slack_sdk sends them, or
  form fields); apps.connections.open takes an app-level token only, and every other method a
  bot token only (`not_allowed_token_type`).
- With rotation on, a refresh token is used once: the refresh revokes it
  (`invalid_refresh_token` the second time), as Slack's "using token rotation" guide says.
"""

from __future__ import annotations

import base64
import secrets
from dataclasses import dataclass
from typing import Any

from bot.manifest import bot_scopes
from sandbox.standin.protocol import ApiError
from sandbox.standin.recording import Call, Recording


@dataclass(frozen=True)
class TokenHolder:
    """Whom a token belongs to: a workspace's bot (or an org-wide install's), or the app
    itself (an app-level ``xapp-`` token, for Socket Mode)."""

    kind: str  # "bot" | "app"
    team_id: str | None
    team_name: str | None = None
    enterprise_id: str | None = None
    bot_user_id: str | None = None


# Methods that take the app's client id and secret instead of a token, and those that take an
# app-level token.
_CLIENT_CREDENTIAL_METHODS = frozenset({"oauth.v2.access"})
_APP_TOKEN_METHODS = frozenset({"apps.connections.open"})


class OAuth(Recording):
    """The tokens the stand-in accepts, the installs people approved, and the app's secrets."""

    def _init_oauth(self, bot_token: str) -> None:
        self.bot_token = bot_token
        self._tokens: dict[str, TokenHolder] = {
            bot_token: TokenHolder("bot", self.team_id, self.team_name, None, self.bot_user_id)
        }
        self._caller: TokenHolder | None = None  # whose token the current call carries
        self._caller_token: str | None = None
        self._oauth_apps: dict[str, str] = {}  # client id -> client secret
        # Token rotation (``rotate_tokens``): seconds a new bot token lives (None: forever),
        # each rotating token's expiry on `clock`, and the refresh tokens not yet used.
        self._token_lifetime: float | None = None
        self._expiries: dict[str, float] = {}
        self._refresh_tokens: dict[str, TokenHolder] = {}
        self._install_codes: dict[str, dict] = {}  # code -> the install a person approved
        self._socket_urls: dict[str, Any] = {}  # app-level token -> callable giving a wss URL
        # What Slack's `x-oauth-scopes` answer header says a bot token carries: the manifest's
        # scopes, unless a test takes some away (an app not updated from a newer manifest).
        self.bot_scopes: list[str] = bot_scopes()

    def add_app_token(self, token: str, socket_url: Any) -> None:
        """Accept an app-level token (``xapp-…``): apps.connections.open answers with
        ``socket_url()``, a fresh websocket URL for each connection (sandbox.socket_mode)."""
        with self._lock:
            self._tokens[token] = TokenHolder("app", None)
            self._socket_urls[token] = socket_url

    def add_oauth_app(self, client_id: str, client_secret: str) -> None:
        """The app's credentials, as on its Basic Information page, for oauth.v2.access."""
        with self._lock:
            self._oauth_apps[client_id] = client_secret

    def approve_install(
        self,
        client_id: str,
        *,
        team_id: str | None = None,
        team_name: str | None = None,
        enterprise_id: str | None = None,
        enterprise_name: str | None = None,
        installer: str = "UINSTALLER",
        scopes: str = "commands,chat:write",
    ) -> str:
        """What Slack's authorize page does when a person approves the install: the ``code``
        Slack sends to the app's redirect URL. ``enterprise_id`` without ``team_id`` is an
        org-wide install (Enterprise Grid)."""
        if team_id is None and enterprise_id is None:
            raise ValueError("an install is into a workspace (team_id) or an organisation")
        code = f"{next(self._ids)}.{secrets.token_hex(12)}"
        with self._lock:
            self._install_codes[code] = {
                "client_id": client_id,
                "team_id": team_id,
                "team_name": team_name or team_id,
                "enterprise_id": enterprise_id,
                "enterprise_name": enterprise_name or enterprise_id,
                "installer": installer,
                "scopes": scopes,
            }
        return code

    def rotate_tokens(self, lifetime: float | None = 12 * 3600) -> None:
        """Token rotation turned on in the app's settings: bot tokens issued from now on expire
        `lifetime` seconds later (on `clock`), answering ``token_expired`` after that, and come
        with a refresh token. ``oauth.v2.access`` with ``grant_type=refresh_token`` issues a new
        token and a new refresh token, and revokes the one it was given
        (``invalid_refresh_token`` the second time). None turns it off."""
        with self._lock:
            self._token_lifetime = lifetime

    def refreshes(self) -> list[Call]:
        """The token refreshes asked for (``oauth.v2.access`` calls with a refresh token)."""
        return [c for c in self.calls_to("oauth.v2.access") if c.args.get("refresh_token")]

    def bot_token_of(self, *, team_id: str | None = None, enterprise_id: str | None = None) -> str:
        """The bot token an install issued (a workspace's, or an organisation's org-wide): the
        newest, when its token was refreshed."""
        with self._lock:
            for token, holder in reversed(self._tokens.items()):
                if holder.kind == "bot" and (holder.team_id, holder.enterprise_id) == (
                    team_id,
                    enterprise_id,
                ):
                    return token
        raise LookupError(f"no bot token for team {team_id} / enterprise {enterprise_id}")

    def revoke_tokens(
        self, *, team_id: str | None = None, enterprise_id: str | None = None
    ) -> None:
        """The app is uninstalled: its bot tokens there stop working (``invalid_auth``)."""
        with self._lock:
            for token, holder in list(self._tokens.items()):
                if holder.kind == "bot" and (holder.team_id, holder.enterprise_id) == (
                    team_id,
                    enterprise_id,
                ):
                    del self._tokens[token]
            for refresh, holder in list(self._refresh_tokens.items()):
                if (holder.team_id, holder.enterprise_id) == (team_id, enterprise_id):
                    del self._refresh_tokens[refresh]

    def _authenticate(
        self, method: str, token: str | None, client: tuple[str, str] | None
    ) -> tuple[str | None, TokenHolder | None]:
        """(Slack's error name or None, the token's holder)."""
        if method in _CLIENT_CREDENTIAL_METHODS:
            if client is None or client[0] not in self._oauth_apps:
                return "invalid_client_id", None
            if self._oauth_apps[client[0]] != client[1]:
                return "bad_client_secret", None
            return None, None
        if not token:
            return "not_authed", None
        with self._lock:
            holder = self._tokens.get(token)
            expires_at = self._expiries.get(token)
        if holder is None:
            return "invalid_auth", None
        if expires_at is not None and self._clock() >= expires_at:
            return "token_expired", None
        if (holder.kind == "app") != (method in _APP_TOKEN_METHODS):
            return "not_allowed_token_type", None
        return None, holder

    def _issue_bot_token(self, holder: TokenHolder) -> dict:
        """A new bot token for `holder`; with rotation on, its lifetime and refresh token."""
        where = holder.team_id or holder.enterprise_id
        token = f"xoxb-{where}-{secrets.token_hex(8)}"
        self._tokens[token] = holder
        if self._token_lifetime is None:
            return {"access_token": token, "token_type": "bot"}
        refresh = f"xoxe-1-{secrets.token_hex(12)}"
        self._refresh_tokens[refresh] = holder
        self._expiries[token] = self._clock() + self._token_lifetime
        return {
            "access_token": token,
            "token_type": "bot",
            "refresh_token": refresh,
            "expires_in": int(self._token_lifetime),
        }

    def _api_oauth_v2_access(self, args: dict) -> dict:
        if args.get("grant_type") == "refresh_token":
            return self._refresh(args)
        install = self._install_codes.pop(str(args.get("code") or ""), None)
        if install is None:
            raise ApiError("invalid_code")
        if install["client_id"] != args.get("client_id", install["client_id"]):
            raise ApiError("invalid_client_id")
        bot_user_id = f"U{next(self._ids):08d}"
        issued = self._issue_bot_token(
            TokenHolder(
                "bot",
                install["team_id"],
                install["team_name"],
                install["enterprise_id"],
                bot_user_id,
            )
        )
        enterprise = None
        if install["enterprise_id"]:
            enterprise = {"id": install["enterprise_id"], "name": install["enterprise_name"]}
        team = None
        if install["team_id"]:
            team = {"id": install["team_id"], "name": install["team_name"]}
        return {
            **issued,
            "scope": install["scopes"],
            "bot_user_id": bot_user_id,
            "app_id": self.app_id,
            "team": team,
            "enterprise": enterprise,
            "authed_user": {"id": install["installer"]},
            "is_enterprise_install": install["team_id"] is None,
        }

    def _refresh(self, args: dict) -> dict:
        """A refresh token exchanged for a new token and a new refresh token; the one given
        is revoked (Slack's "using token rotation" guide)."""
        holder = self._refresh_tokens.pop(str(args.get("refresh_token") or ""), None)
        if holder is None:
            raise ApiError("invalid_refresh_token")
        issued = self._issue_bot_token(holder)
        return {
            **issued,
            "scope": "commands,chat:write",
            "bot_user_id": holder.bot_user_id,
            "app_id": self.app_id,
            "team": {"id": holder.team_id, "name": holder.team_name} if holder.team_id else None,
            "enterprise": {"id": holder.enterprise_id} if holder.enterprise_id else None,
            "is_enterprise_install": holder.team_id is None,
        }

    def _api_auth_test(self, args: dict) -> dict:
        holder = self._caller
        if holder is None or holder.team_id == self.team_id or holder.bot_user_id is None:
            return {
                "url": f"https://{self.permalink_host}/",
                "team": self.team_name,
                "user": self._users[self.bot_user_id]["name"],
                "team_id": self.team_id,
                "user_id": self.bot_user_id,
                "bot_id": self.bot_id,
                "is_enterprise_install": False,
            }
        identity = {
            "url": f"https://{(holder.team_name or 'org').lower().replace(' ', '-')}.slack.com/",
            "team": holder.team_name,
            "user": "kindness",
            "team_id": holder.team_id,
            "user_id": holder.bot_user_id,
            "bot_id": "B" + holder.bot_user_id[1:],
            "is_enterprise_install": holder.team_id is None,
        }
        if holder.enterprise_id:
            identity["enterprise_id"] = holder.enterprise_id
        return identity

    def _api_apps_connections_open(self, args: dict) -> dict:
        # Only app-level tokens get here (see _authenticate); each was given with its socket.
        return {"url": self._socket_urls[self._caller_token]()}


def client_credentials(authorization: str, args: dict) -> tuple[str, str] | None:
    """The app's client id and secret: HTTP Basic auth (as slack_sdk sends them) or form
    fields. The secret is taken out of ``args`` so that no recorded call holds it."""
    if authorization.startswith("Basic "):
        try:
            decoded = base64.b64decode(authorization[len("Basic ") :]).decode("utf-8")
        except ValueError:
            return None
        client_id, _, secret = decoded.partition(":")
        return client_id, secret
    if "client_secret" in args:
        return str(args.get("client_id") or ""), str(args.pop("client_secret"))
    return None
