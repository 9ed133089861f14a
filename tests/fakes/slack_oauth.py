"""The OAuth half of the fake Slack: the consent screen, oauth.v2.access, and token rotation.

Models what an app sees of Slack's OAuth v2: `GET /oauth/v2/authorize` shows a consent page to the
person signed in (`sign_in`), *Allow* redirects to the app's redirect URL with a one-time `code`
and the app's `state`; `oauth.v2.access` exchanges the code (client id and secret in HTTP Basic
auth or the form) for a bot token, and with token rotation on, an expiring token and a refresh
token, which `grant_type=refresh_token` redeems once for a new pair. Expired tokens answer
`token_expired`, uninstalled ones `token_revoked`.
"""

from __future__ import annotations

import base64
import binascii
import html
import itertools
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl, urlencode

JSONDict = dict[str, Any]

CODE_LIFETIME = timedelta(minutes=10)


@dataclass
class OAuthApp:
    """A Slack app that can be installed: its credentials and settings."""

    client_id: str
    client_secret: str
    redirect_urls: list[str]
    app_id: str
    token_rotation: bool
    expires_in: int


@dataclass
class Grant:
    """One installation of an app: a workspace's (or an org's) current bot token."""

    client_id: str
    team_id: str
    enterprise_id: str | None
    org_wide: bool
    installer: str
    scope: str
    access_token: str
    refresh_token: str | None
    expires_at: datetime | None
    revoked: bool = False


@dataclass
class _Code:
    client_id: str
    redirect_uri: str | None
    team_id: str
    user_id: str
    org_wide: bool
    scope: str
    issued_at: datetime
    used: bool = False


@dataclass
class _SignIn:
    user_id: str
    org_wide: bool


@dataclass
class OAuthState:
    """What the fake remembers about OAuth (owned by FakeSlack, changed under its lock)."""

    apps: dict[str, OAuthApp] = field(default_factory=dict)
    codes: dict[str, _Code] = field(default_factory=dict)
    grants: list[Grant] = field(default_factory=list)
    refresh_tokens: dict[str, Grant] = field(default_factory=dict)
    token_expiry: dict[str, datetime] = field(default_factory=dict)
    signed_in: _SignIn | None = None
    serial: itertools.count[int] = field(default_factory=lambda: itertools.count(1))


class OAuthError(Exception):
    """oauth.v2.access refuses: becomes {"ok": false, "error": ...}."""

    def __init__(self, error: str) -> None:
        super().__init__(error)
        self.error = error


class FakeOAuth:
    """The fake's OAuth v2 behaviour over a team/token world it shares with the Web API fake."""

    def __init__(
        self,
        *,
        lock: threading.RLock,
        now: Callable[[], datetime],
        team_of_user: Callable[[str], tuple[str, str | None] | None],
        team_name: Callable[[str], str],
        bot_user_of: Callable[[str], str],
        register_token: Callable[[str, str], None],
        revoke_token: Callable[[str], None],
    ) -> None:
        self.state = OAuthState()
        self._lock = lock
        self._now = now
        self._team_of_user = team_of_user
        self._team_name = team_name
        self._bot_user_of = bot_user_of
        self._register_token = register_token
        self._revoke_token = revoke_token

    # -- seeding and inspection -------------------------------------------------------------

    def register_app(
        self,
        *,
        client_id: str,
        client_secret: str,
        redirect_urls: list[str],
        app_id: str = "AHANDOFF",
        token_rotation: bool = True,
        expires_in: int = 43_200,
    ) -> None:
        with self._lock:
            self.state.apps[client_id] = OAuthApp(
                client_id, client_secret, list(redirect_urls), app_id, token_rotation, expires_in
            )

    def sign_in(self, user_id: str, *, org_wide: bool = False) -> None:
        with self._lock:
            self.state.signed_in = _SignIn(user_id, org_wide)

    def approve(
        self, *, client_id: str, user_id: str, redirect_uri: str | None = None, org_wide: bool = False, scope: str = ""
    ) -> str:
        """What *Allow* does, without a browser: a one-time code for `user_id`'s workspace (or org)."""
        with self._lock:
            found = self._team_of_user(user_id)
            if found is None:
                raise KeyError(f"unknown user {user_id}")
            team_id, _enterprise = found
            code = f"code-{next(self.state.serial)}"
            self.state.codes[code] = _Code(client_id, redirect_uri, team_id, user_id, org_wide, scope, self._now())
            return code

    def current_grant(self, team_id: str) -> Grant | None:
        with self._lock:
            live = [g for g in self.state.grants if g.team_id == team_id and not g.revoked]
            return live[-1] if live else None

    def uninstall(self, team_id: str) -> list[str]:
        """Revoke every token of the app in a workspace, as uninstalling does; returns them."""
        with self._lock:
            revoked: list[str] = []
            for grant in self.state.grants:
                if grant.team_id == team_id and not grant.revoked:
                    grant.revoked = True
                    revoked.append(grant.access_token)
                    self._revoke_token(grant.access_token)
            return revoked

    def token_expired(self, token: str) -> bool:
        expiry = self.state.token_expiry.get(token)
        return expiry is not None and self._now() >= expiry

    # -- the consent screen -----------------------------------------------------------------

    def authorize_page(self, method: str, query: str, body: bytes) -> tuple[int, dict[str, str], str]:
        """GET shows the consent screen; POST (Allow) redirects back with a code."""
        params = dict(parse_qsl(query, keep_blank_values=True))
        if method == "POST":
            params.update(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
        with self._lock:
            app = self.state.apps.get(params.get("client_id", ""))
            if app is None:
                return 400, {}, _page("Invalid client_id parameter", "<p>This app is not known to Slack.</p>")
            redirect = params.get("redirect_uri") or None
            if redirect is not None and not any(redirect.startswith(url) for url in app.redirect_urls):
                return 400, {}, _page("redirect_uri did not match", "<p>The redirect URL is not one of the app's.</p>")
            target = redirect or app.redirect_urls[0]
            signed_in = self.state.signed_in
            if signed_in is None:
                return 401, {}, _page("Sign in to Slack", "<p>Nobody is signed in to Slack in this browser.</p>")
            found = self._team_of_user(signed_in.user_id)
            if found is None:
                return 401, {}, _page("Sign in to Slack", "<p>The signed-in person is not a member of Slack.</p>")
            team_id, enterprise_id = found
            state = params.get("state", "")
            if method == "POST":
                code = self.approve(
                    client_id=app.client_id,
                    user_id=signed_in.user_id,
                    redirect_uri=redirect,
                    org_wide=signed_in.org_wide and enterprise_id is not None,
                    scope=params.get("scope", ""),
                )
                separator = "&" if "?" in target else "?"
                return 302, {"Location": f"{target}{separator}{urlencode({'code': code, 'state': state})}"}, ""
            where = f"the {self._team_name(team_id)} workspace"
            if signed_in.org_wide and enterprise_id is not None:
                where = f"the {enterprise_id} organization"
            scopes = "".join(f"<li>{html.escape(s)}</li>" for s in params.get("scope", "").split(",") if s)
            hidden = "".join(
                f'<input type="hidden" name="{name}" value="{html.escape(params.get(name, ""))}">'
                for name in ("client_id", "scope", "user_scope", "state", "redirect_uri")
            )
            cancel = f"{target}{'&' if '?' in target else '?'}{urlencode({'error': 'access_denied', 'state': state})}"
            body_html = (
                f"<p>Signed in as {html.escape(signed_in.user_id)}.</p><p>It will be able to:</p><ul>{scopes}</ul>"
                f'<form method="post" action="/oauth/v2/authorize">{hidden}'
                '<button type="submit" id="allow">Allow</button></form>'
                f'<p><a id="cancel" href="{html.escape(cancel)}">Cancel</a></p>'
            )
            return 200, {}, _page(f"Handoff is requesting permission to access {where}", body_html)

    # -- oauth.v2.access --------------------------------------------------------------------

    def access(self, params: JSONDict, authorization: str) -> JSONDict:
        """oauth.v2.access: a code for tokens, or a refresh token for new ones."""
        with self._lock:
            try:
                app = self._authenticate(params, authorization)
                if params.get("grant_type") == "refresh_token":
                    return {"ok": True, **self._refresh(app, str(params.get("refresh_token") or ""))}
                if params.get("grant_type") not in {None, "", "authorization_code"}:
                    raise OAuthError("invalid_grant_type")
                return {"ok": True, **self._exchange(app, params)}
            except OAuthError as err:
                return {"ok": False, "error": err.error}

    def _authenticate(self, params: JSONDict, authorization: str) -> OAuthApp:
        client_id, client_secret = params.get("client_id"), params.get("client_secret")
        if authorization.startswith("Basic "):
            try:
                decoded = base64.b64decode(authorization[len("Basic ") :]).decode()
            except (binascii.Error, UnicodeDecodeError):
                raise OAuthError("invalid_client_id") from None
            client_id, _, client_secret = decoded.partition(":")
        app = self.state.apps.get(str(client_id or ""))
        if app is None:
            raise OAuthError("invalid_client_id")
        if client_secret != app.client_secret:
            raise OAuthError("bad_client_secret")
        return app

    def _exchange(self, app: OAuthApp, params: JSONDict) -> JSONDict:
        code = self.state.codes.get(str(params.get("code") or ""))
        if code is None or code.client_id != app.client_id:
            raise OAuthError("invalid_code")
        if code.used:
            raise OAuthError("code_already_used")
        if self._now() - code.issued_at > CODE_LIFETIME:
            raise OAuthError("code_expired")
        if code.redirect_uri is not None and params.get("redirect_uri") not in {None, code.redirect_uri}:
            raise OAuthError("bad_redirect_uri")
        code.used = True
        found = self._team_of_user(code.user_id)
        enterprise_id = found[1] if found else None
        grant = Grant(
            client_id=app.client_id,
            team_id=code.team_id,
            enterprise_id=enterprise_id,
            org_wide=code.org_wide,
            installer=code.user_id,
            scope=code.scope,
            access_token="",
            refresh_token=None,
            expires_at=None,
        )
        self._issue(app, grant)
        self.state.grants.append(grant)
        return {**self._token_fields(app, grant), "authed_user": {"id": code.user_id}}

    def _refresh(self, app: OAuthApp, refresh_token: str) -> JSONDict:
        grant = self.state.refresh_tokens.pop(refresh_token, None)
        if grant is None or grant.client_id != app.client_id or grant.revoked:
            raise OAuthError("invalid_refresh_token")
        self._issue(app, grant)
        return self._token_fields(app, grant)

    def _issue(self, app: OAuthApp, grant: Grant) -> None:
        serial = next(self.state.serial)
        if app.token_rotation:
            grant.access_token = f"xoxe.xoxb-1-{grant.team_id}-{serial}"
            grant.refresh_token = f"xoxe-1-{grant.team_id}-{serial}"
            grant.expires_at = self._now() + timedelta(seconds=app.expires_in)
            self.state.refresh_tokens[grant.refresh_token] = grant
            self.state.token_expiry[grant.access_token] = grant.expires_at
        else:
            grant.access_token = f"xoxb-{grant.team_id}-{serial}"
        self._register_token(grant.access_token, grant.team_id)

    def _token_fields(self, app: OAuthApp, grant: Grant) -> JSONDict:
        out: JSONDict = {
            "app_id": app.app_id,
            "scope": grant.scope,
            "token_type": "bot",
            "access_token": grant.access_token,
            "bot_user_id": self._bot_user_of(grant.team_id),
            "team": None if grant.org_wide else {"id": grant.team_id, "name": self._team_name(grant.team_id)},
            "enterprise": {"id": grant.enterprise_id, "name": f"{grant.enterprise_id} Org"}
            if grant.enterprise_id
            else None,
            "is_enterprise_install": grant.org_wide,
        }
        if grant.refresh_token is not None and grant.expires_at is not None:
            out["refresh_token"] = grant.refresh_token
            out["expires_in"] = int((grant.expires_at - self._now()).total_seconds())
        return out


def _page(title: str, body: str) -> str:
    return (
        f'<!doctype html><html><head><meta charset="utf-8"><title>{html.escape(title)}</title></head>'
        f"<body><h1>{html.escape(title)}</h1>{body}</body></html>"
    )
