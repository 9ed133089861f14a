"""A fake Slack Web API served over real HTTP on loopback, for the test rig.

The fake keeps a small "world" (teams, users, channels, messages, views, files) and answers
the Web API methods Handoff uses with Slack's real response shapes and error codes. Every call
is recorded, and faults (rate limits, 5xx, ``ok: false`` errors) can be injected per method.

Standard library only: ``http.server.ThreadingHTTPServer`` in a daemon thread on 127.0.0.1:0.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import copy
import itertools
import json
import sys
import threading
import traceback
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Self
from urllib.parse import parse_qsl, urlsplit
from zoneinfo import ZoneInfo

from tests.fakes.slack_oauth import FakeOAuth
from tests.fakes.slack_timing import AFTER, BEFORE, HangUp, Hold, Holds, Match, pause

JSONDict = dict[str, Any]

__all__ = [
    "FakeSlack",
    "HttpRequest",
    "HttpResponse",
    "LoopbackServer",
    "SlackCall",
    "SlackFile",
]


# ---------------------------------------------------------------------------------------------
# Loopback HTTP plumbing (shared with openai_api.py)
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class HttpRequest:
    """One HTTP request as seen by a fake (header names lowercased)."""

    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: bytes


@dataclass(frozen=True)
class HttpResponse:
    """What a fake answers."""

    status: int
    headers: dict[str, str]
    body: bytes

    @classmethod
    def of_json(cls, status: int, payload: Any, headers: dict[str, str] | None = None) -> HttpResponse:
        """A JSON response."""
        all_headers = {"Content-Type": "application/json; charset=utf-8", **(headers or {})}
        return cls(status, all_headers, json.dumps(payload).encode("utf-8"))

    @classmethod
    def of_text(cls, status: int, text: str) -> HttpResponse:
        """A plain-text response."""
        return cls(status, {"Content-Type": "text/plain; charset=utf-8"}, text.encode("utf-8"))


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    # The default listen backlog (5) drops SYNs under a burst of concurrent clients, which
    # then stall for a 1 s TCP retransmit.
    request_queue_size = 128

    def __init__(self, app: Callable[[HttpRequest], HttpResponse], errors: list[str]) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.app = app
        self.errors = errors

    def handle_error(self, request: Any, client_address: Any) -> None:
        # Clients hanging up mid-response are normal (teardown, a process killed while Slack held
        # its call); anything else is a fake bug.
        if isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
            return
        self.errors.append(traceback.format_exc())


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    # HTTP/1.0: one request per connection, so no keep-alive sockets linger at shutdown.
    protocol_version = "HTTP/1.0"

    def log_message(self, format: str, *args: Any) -> None:
        """Stay quiet."""

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks: list[bytes] = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    self.rfile.readline()
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _serve(self) -> None:
        parts = urlsplit(self.path)
        request = HttpRequest(
            method=self.command,
            path=parts.path,
            query=parts.query,
            # Header names are case-insensitive on the wire; record them lowercased.
            headers={k.lower(): v for k, v in self.headers.items()},
            body=self._read_body(),
        )
        try:
            response = self.server.app(request)
        except HangUp:
            # No status line, nothing: the client sees the connection closed under it.
            self.close_connection = True
            return
        except Exception:
            self.server.errors.append(traceback.format_exc())
            response = HttpResponse.of_json(500, {"ok": False, "error": "fake_server_error"})
        self.send_response(response.status)
        for name, value in response.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        self.wfile.write(response.body)

    do_GET = _serve
    do_POST = _serve
    do_PUT = _serve
    do_DELETE = _serve


class LoopbackServer:
    """Serves ``app`` on 127.0.0.1:<free port> from a daemon thread."""

    def __init__(self, app: Callable[[HttpRequest], HttpResponse]) -> None:
        self._app = app
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self.errors: list[str] = []

    @property
    def port(self) -> int:
        """The bound port (only while started)."""
        if self._server is None:
            raise RuntimeError("server not started")
        return int(self._server.server_address[1])

    @property
    def origin(self) -> str:
        """``http://127.0.0.1:PORT``."""
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        """Bind and serve in a daemon thread."""
        if self._server is not None:
            return
        self._server = _Server(self._app, self.errors)
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop serving and close the socket."""
        server, thread = self._server, self._thread
        self._server, self._thread = None, None
        if server is None:
            return
        server.shutdown()
        server.server_close()
        if thread is not None:
            thread.join(timeout=5)


# ---------------------------------------------------------------------------------------------
# Records exposed to tests
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SlackCall:
    """One Web API call the fake received.

    ``params`` are decoded: form/query values stay strings (slack_sdk sends booleans as "1"/"0"
    and ints as strings), JSON-valued form fields (blocks, view, metadata, ...) become objects,
    and JSON bodies keep their JSON types. ``encoding`` is "form", "json", "query" or "none".
    ``headers`` have lowercased names; ``response`` is the JSON body the fake answered.
    """

    method: str
    params: dict[str, Any]
    token: str | None
    headers: dict[str, str]
    http_status: int
    encoding: str = "form"
    response: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class SlackFile:
    """A file created through files.getUploadURLExternal (snapshot)."""

    id: str
    team_id: str
    filename: str
    length: int
    title: str | None
    alt_txt: str | None
    content: bytes | None
    completed: bool
    channel_ids: tuple[str, ...]
    initial_comment: str | None
    thread_ts: str | None


# ---------------------------------------------------------------------------------------------
# World model
# ---------------------------------------------------------------------------------------------


class _Unset:
    def __repr__(self) -> str:
        return "UNSET"


UNSET: Any = _Unset()


@dataclass
class _Team:
    id: str
    name: str
    domain: str
    bot_token: str
    bot_user_id: str
    bot_id: str
    bot_name: str
    app_id: str
    enterprise_id: str | None
    is_enterprise_install: bool
    # The bot token's granted scopes, sent as Slack does in every answer's X-OAuth-Scopes (None: not sent).
    scopes: tuple[str, ...] | None = None


@dataclass
class _User:
    id: str
    team_id: str
    name: str
    real_name: str
    display_name: str
    email: str | None
    tz: str | None
    tz_offset: int | None
    is_bot: bool
    is_admin: bool
    is_owner: bool
    is_restricted: bool
    deleted: bool
    bot_id: str | None = None


@dataclass
class _Channel:
    id: str
    team_id: str
    name: str | None
    is_private: bool
    is_im: bool
    is_mpim: bool
    members: list[str]
    is_ext_shared: bool
    is_archived: bool
    created: int
    shared_team_ids: list[str]
    im_user: str | None = None
    topic: str = ""
    purpose: str = ""
    messages: dict[str, JSONDict] = field(default_factory=dict)


@dataclass
class _Bot:
    id: str
    team_id: str
    name: str
    user_id: str | None
    app_id: str | None
    deleted: bool = False


@dataclass
class _File:
    id: str
    team_id: str
    filename: str
    length: int
    alt_txt: str | None
    title: str | None = None
    content: bytes | None = None
    completed: bool = False
    channel_ids: list[str] = field(default_factory=list)
    initial_comment: str | None = None
    thread_ts: str | None = None


@dataclass
class _Fault:
    status: int
    error: str | None
    retry_after: int | None
    remaining: int
    match: Match | None = None


@dataclass
class _Ctx:
    team: _Team
    token: str


class SlackError(Exception):
    """Raised inside method handlers; becomes ``{"ok": false, "error": ...}``."""

    def __init__(self, error: str, **extra: Any) -> None:
        super().__init__(error)
        self.error = error
        self.extra = extra


# Form fields that carry JSON documents (Slack wants them URL-encoded as JSON strings).
_JSON_FIELDS = frozenset(
    {"blocks", "attachments", "view", "metadata", "files", "user_auth_blocks", "unfurls", "chunks"}
)

# Slack's tz_label is the long zone name, which the stdlib cannot produce; cover common zones.
_TZ_LABELS: dict[str, tuple[str, str]] = {
    "Europe/Berlin": ("Central European Time", "Central European Summer Time"),
    "Europe/Paris": ("Central European Time", "Central European Summer Time"),
    "Europe/Amsterdam": ("Central European Time", "Central European Summer Time"),
    "Europe/London": ("Greenwich Mean Time", "British Summer Time"),
    "Europe/Lisbon": ("Western European Time", "Western European Summer Time"),
    "Europe/Helsinki": ("Eastern European Time", "Eastern European Summer Time"),
    "America/New_York": ("Eastern Standard Time", "Eastern Daylight Time"),
    "America/Chicago": ("Central Standard Time", "Central Daylight Time"),
    "America/Denver": ("Mountain Standard Time", "Mountain Daylight Time"),
    "America/Los_Angeles": ("Pacific Standard Time", "Pacific Daylight Time"),
    "America/Sao_Paulo": ("Brasilia Time", "Brasilia Summer Time"),
    "Asia/Tokyo": ("Japan Standard Time", "Japan Daylight Time"),
    "Asia/Kolkata": ("India Standard Time", "India Standard Time"),
    "Asia/Singapore": ("Singapore Standard Time", "Singapore Standard Time"),
    "Australia/Sydney": ("Australian Eastern Standard Time", "Australian Eastern Daylight Time"),
    "Pacific/Auckland": ("New Zealand Standard Time", "New Zealand Daylight Time"),
    "UTC": ("Coordinated Universal Time", "Coordinated Universal Time"),
}

_MICROS = 1_000_000


def _clone(value: Any) -> Any:
    """A deep copy of JSON data (messages, answers): a JSON round trip, several times cheaper than deepcopy."""
    return json.loads(json.dumps(value))


def _ts_to_micros(ts: str) -> int:
    try:
        return int(Decimal(ts) * _MICROS)
    except InvalidOperation as exc:
        raise ValueError(f"not a Slack ts: {ts!r}") from exc


def _micros_to_ts(micros: int) -> str:
    return f"{micros // _MICROS}.{micros % _MICROS:06d}"


def _encode_cursor(kind: str, value: str) -> str:
    return base64.urlsafe_b64encode(f"{kind}:{value}".encode()).decode()


def _decode_cursor(kind: str, cursor: str) -> str:
    try:
        raw = base64.urlsafe_b64decode(cursor.encode()).decode()
    except (binascii.Error, UnicodeDecodeError) as exc:
        raise SlackError("invalid_cursor") from exc
    prefix = f"{kind}:"
    if not raw.startswith(prefix):
        raise SlackError("invalid_cursor")
    return raw[len(prefix) :]


def _page_by_offset(items: list[Any], params: JSONDict, kind: str, default_limit: int) -> tuple[list[Any], str]:
    """Slice ``items`` by Slack-style cursor/limit; returns (page, next_cursor or "")."""
    limit = _opt_int(params, "limit") or default_limit
    offset = 0
    cursor = _opt_str(params, "cursor")
    if cursor:
        try:
            offset = int(_decode_cursor(kind, cursor))
        except ValueError as exc:
            raise SlackError("invalid_cursor") from exc
    page = items[offset : offset + limit] if limit > 0 else items[offset:]
    end = offset + len(page)
    return page, _encode_cursor(kind, str(end)) if end < len(items) else ""


def _opt_str(params: JSONDict, name: str) -> str | None:
    value = params.get(name)
    if value is None or value == "":
        return None
    return str(value)


def _opt_int(params: JSONDict, name: str) -> int | None:
    value = params.get(name)
    if value is None or value == "":
        return None
    try:
        return int(value)
    except (TypeError, ValueError) as exc:
        raise SlackError(f"invalid_{name}") from exc


def _opt_bool(params: JSONDict, name: str, default: bool = False) -> bool:
    value = params.get(name)
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        return value
    # slack_sdk turns True/False into "1"/"0" for form bodies; people also send "true".
    return str(value).lower() in {"1", "true", "yes"}


class LoopbackFake:
    """Lifecycle shared by the fakes: a LoopbackServer started and stopped with the fake."""

    _server: LoopbackServer

    def start(self) -> None:
        """Bind 127.0.0.1:0 and serve in a daemon thread."""
        self._server.start()

    def stop(self) -> None:
        """Shut the server down."""
        self._server.stop()

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def server_errors(self) -> list[str]:
        """Tracebacks of exceptions inside the fake itself (should stay empty)."""
        return self._server.errors


class FakeSlack(LoopbackFake):
    """A fake Slack Web API on a real loopback HTTP port.

    ``url`` is what to pass as ``WebClient(base_url=...)``. Seed the world with ``add_team``,
    ``add_user``, ``add_channel`` and ``add_message``; inspect ``calls``, ``posted_messages()``
    and friends; inject faults with ``fail_next``.

    Slack visibility rules are enforced for the bot token: private channels, IMs and MPIMs the
    bot is not a member of answer ``channel_not_found``; reading or posting in a public channel
    the bot has not joined answers ``not_in_channel`` (unless ``chat_write_public=True``, which
    models the ``chat:write.public`` scope for posting only).
    """

    def __init__(
        self,
        *,
        clock: Callable[[], datetime] | None = None,
        ts_start: str = "1700000000.000000",
        chat_write_public: bool = False,
    ) -> None:
        self._clock = clock or (lambda: datetime.now(UTC))
        self._lock = threading.RLock()
        self._server = LoopbackServer(self._handle_http)
        self.chat_write_public = chat_write_public

        self.calls: list[SlackCall] = []
        self._teams: dict[str, _Team] = {}
        self._tokens: dict[str, str] = {}
        self._revoked: set[str] = set()
        self._users: dict[str, _User] = {}
        self._channels: dict[str, _Channel] = {}
        self._bots: dict[str, _Bot] = {}
        self._files: dict[str, _File] = {}
        self._views: dict[str, JSONDict] = {}
        self._home_views: dict[str, JSONDict] = {}
        self._expired_triggers: set[str] = set()
        self._posted: list[JSONDict] = []
        self._ephemeral: list[JSONDict] = []
        self._scheduled: dict[str, JSONDict] = {}
        self._responses: list[JSONDict] = []
        self._faults: dict[str, deque[_Fault]] = {}
        self._holds = Holds()
        self._last_ts = _ts_to_micros(ts_start)
        self._ids = itertools.count(1)

        # OAuth v2: the consent screen, oauth.v2.access and token rotation (tests/fakes/slack_oauth.py).
        self.oauth = FakeOAuth(
            lock=self._lock,
            now=self._now,
            team_of_user=self._home_of,
            team_name=lambda team_id: self._teams[team_id].name,
            bot_user_of=lambda team_id: self._teams[team_id].bot_user_id,
            register_token=lambda token, team_id: self.add_token(team_id, token),
            revoke_token=self.revoke_token,
        )

        # Socket Mode: app-level tokens and the WebSocket URL apps.connections.open hands out.
        self.app_tokens: set[str] = set()
        self.socket_mode_url: str | None = None
        self._methods: dict[str, Callable[[_Ctx, JSONDict], JSONDict]] = {
            "apps.connections.open": self._auth_test,  # answered in _dispatch, by app token
            "auth.test": self._auth_test,
            "bots.info": self._bots_info,
            "chat.delete": self._chat_delete,
            "chat.deleteScheduledMessage": self._chat_delete_scheduled,
            "chat.getPermalink": self._chat_get_permalink,
            "chat.postEphemeral": self._chat_post_ephemeral,
            "chat.postMessage": self._chat_post_message,
            "chat.scheduleMessage": self._chat_schedule_message,
            "chat.scheduledMessages.list": self._chat_scheduled_list,
            "chat.update": self._chat_update,
            "conversations.history": self._conversations_history,
            "conversations.info": self._conversations_info,
            "conversations.join": self._conversations_join,
            "conversations.list": self._conversations_list,
            "conversations.members": self._conversations_members,
            "conversations.open": self._conversations_open,
            "conversations.replies": self._conversations_replies,
            "files.completeUploadExternal": self._files_complete_upload,
            "files.getUploadURLExternal": self._files_get_upload_url,
            "reactions.add": self._reactions_add,
            "team.info": self._team_info,
            "users.info": self._users_info,
            "users.list": self._users_list,
            "views.open": self._views_open,
            "views.publish": self._views_publish,
            "views.push": self._views_push,
            "views.update": self._views_update,
        }

    @property
    def url(self) -> str:
        """Base URL for ``WebClient(base_url=...)``; the trailing slash matters (urljoin)."""
        return f"{self._server.origin}/api/"

    # -- world seeding ------------------------------------------------------------------------

    def add_team(
        self,
        team_id: str,
        *,
        name: str = "Acme",
        bot_token: str = "xoxb-test",
        bot_user_id: str = "UBOT",
        bot_id: str = "BBOT",
        enterprise_id: str | None = None,
        domain: str | None = None,
        bot_name: str = "handoff",
        app_id: str = "AHANDOFF",
        is_enterprise_install: bool = False,
        scopes: tuple[str, ...] | None = None,
    ) -> None:
        """Add a workspace with an installed bot; the bot user is added to the team's users."""
        with self._lock:
            team = _Team(
                id=team_id,
                name=name,
                domain=domain or "".join(ch for ch in name.lower() if ch.isalnum()) or team_id.lower(),
                bot_token=bot_token,
                bot_user_id=bot_user_id,
                bot_id=bot_id,
                bot_name=bot_name,
                app_id=app_id,
                enterprise_id=enterprise_id,
                is_enterprise_install=is_enterprise_install,
                scopes=scopes,
            )
            self._teams[team_id] = team
            self._tokens[bot_token] = team_id
            self._bots[bot_id] = _Bot(bot_id, team_id, bot_name, bot_user_id, app_id)
            self._users[bot_user_id] = _User(
                id=bot_user_id,
                team_id=team_id,
                name=bot_name,
                real_name=bot_name.title(),
                display_name="",
                email=None,
                tz="America/Los_Angeles",  # Slack gives bot users Slack HQ's zone
                tz_offset=None,
                is_bot=True,
                is_admin=False,
                is_owner=False,
                is_restricted=False,
                deleted=False,
                bot_id=bot_id,
            )

    def add_token(self, team_id: str, token: str) -> None:
        """Register another token (e.g. a rotated bot token) for a team."""
        with self._lock:
            self._tokens[token] = team_id

    def revoke_token(self, token: str) -> None:
        """Calls with this token now answer ``token_revoked``."""
        with self._lock:
            self._revoked.add(token)

    def add_bot(
        self, team_id: str, bot_id: str, *, name: str, user_id: str | None = None, app_id: str | None = None
    ) -> None:
        """Register another bot (e.g. the author of seeded bot messages) for bots.info."""
        with self._lock:
            self._bots[bot_id] = _Bot(bot_id, team_id, name, user_id, app_id)

    def add_user(
        self,
        team_id: str,
        user_id: str,
        *,
        name: str = "",
        real_name: str = "",
        display_name: str = "",
        email: str | None = None,
        tz: str | None = "Europe/Berlin",
        tz_offset: int | None = None,
        is_bot: bool = False,
        is_admin: bool = False,
        is_owner: bool = False,
        is_restricted: bool = False,
        deleted: bool = False,
    ) -> None:
        """Add a user. With ``tz_offset=None`` the offset is computed from ``tz`` at call time."""
        if tz is not None:
            ZoneInfo(tz)  # fail fast on typos
        with self._lock:
            if team_id not in self._teams:
                raise KeyError(f"unknown team {team_id}")
            self._users[user_id] = _User(
                id=user_id,
                team_id=team_id,
                name=name or user_id.lower(),
                real_name=real_name,
                display_name=display_name,
                email=email,
                tz=tz,
                tz_offset=tz_offset,
                is_bot=is_bot,
                is_admin=is_admin,
                is_owner=is_owner,
                is_restricted=is_restricted,
                deleted=deleted,
            )

    def update_user(
        self,
        user_id: str,
        *,
        name: str = UNSET,
        real_name: str = UNSET,
        display_name: str = UNSET,
        email: str | None = UNSET,
        tz: str | None = UNSET,
        tz_offset: int | None = UNSET,
        is_bot: bool = UNSET,
        is_admin: bool = UNSET,
        is_owner: bool = UNSET,
        is_restricted: bool = UNSET,
        deleted: bool = UNSET,
    ) -> None:
        """Change fields of an existing user (only the ones passed)."""
        changes = {
            "name": name,
            "real_name": real_name,
            "display_name": display_name,
            "email": email,
            "tz": tz,
            "tz_offset": tz_offset,
            "is_bot": is_bot,
            "is_admin": is_admin,
            "is_owner": is_owner,
            "is_restricted": is_restricted,
            "deleted": deleted,
        }
        with self._lock:
            user = self._users[user_id]
            for key, value in changes.items():
                if value is not UNSET:
                    setattr(user, key, value)
            if tz is not UNSET and tz_offset is UNSET:
                user.tz_offset = None  # recompute from the new zone

    def add_channel(
        self,
        team_id: str,
        channel_id: str,
        *,
        name: str | None = None,
        is_private: bool = False,
        is_im: bool = False,
        is_mpim: bool = False,
        members: Iterable[str] = (),
        is_ext_shared: bool = False,
        is_archived: bool = False,
        shared_team_ids: Iterable[str] = (),
        created: int = 1_600_000_000,
        topic: str = "",
        purpose: str = "",
    ) -> None:
        """Add a conversation. Include the bot user id in ``members`` for the bot to see it.

        ``shared_team_ids`` lists other teams that can also see an ext-shared channel.
        """
        with self._lock:
            if team_id not in self._teams:
                raise KeyError(f"unknown team {team_id}")
            member_list = list(dict.fromkeys(members))
            bot_user = self._teams[team_id].bot_user_id
            im_user = next((m for m in member_list if m != bot_user), None) if is_im else None
            self._channels[channel_id] = _Channel(
                id=channel_id,
                team_id=team_id,
                name=None if is_im else (name or channel_id.lower()),
                is_private=is_private or is_im or is_mpim,
                is_im=is_im,
                is_mpim=is_mpim,
                members=member_list,
                is_ext_shared=is_ext_shared,
                is_archived=is_archived,
                created=created,
                shared_team_ids=list(shared_team_ids),
                im_user=im_user,
                topic=topic,
                purpose=purpose,
            )

    def update_channel(
        self,
        channel_id: str,
        *,
        name: str = UNSET,
        is_private: bool = UNSET,
        members: Iterable[str] = UNSET,
        is_ext_shared: bool = UNSET,
        is_archived: bool = UNSET,
        shared_team_ids: Iterable[str] = UNSET,
    ) -> None:
        """Change fields of an existing channel (only the ones passed)."""
        with self._lock:
            ch = self._channels[channel_id]
            if shared_team_ids is not UNSET:
                ch.shared_team_ids = list(shared_team_ids)
            if name is not UNSET:
                ch.name = name
            if is_private is not UNSET:
                ch.is_private = is_private
            if members is not UNSET:
                ch.members = list(dict.fromkeys(members))
            if is_ext_shared is not UNSET:
                ch.is_ext_shared = is_ext_shared
            if is_archived is not UNSET:
                ch.is_archived = is_archived

    def add_message(
        self,
        channel_id: str,
        *,
        ts: str,
        user: str | None = None,
        text: str = "",
        thread_ts: str | None = None,
        subtype: str | None = None,
        bot_id: str | None = None,
        reactions: list[JSONDict] | None = None,
        blocks: list[JSONDict] | None = None,
        metadata: JSONDict | None = None,
        **extra: Any,
    ) -> JSONDict:
        """Seed a message (``extra`` keys, e.g. ``reply_count`` or ``files``, are stored verbatim).

        Thread fields of a parent (reply_count, latest_reply, ...) are computed from the replies
        present in the world; explicit ``extra`` values only apply when there are none.
        """
        with self._lock:
            ch = self._channels[channel_id]
            if ts in ch.messages:
                raise ValueError(f"duplicate ts {ts} in {channel_id}")
            micros = _ts_to_micros(ts)
            msg: JSONDict = {"type": "message", "ts": ts}
            if subtype is not None:
                msg["subtype"] = subtype
            if user is not None:
                msg["user"] = user
                if user in self._users:
                    msg["team"] = self._users[user].team_id
            if bot_id is not None:
                msg["bot_id"] = bot_id
            msg["text"] = text
            if thread_ts is not None:
                msg["thread_ts"] = thread_ts
            if blocks is not None:
                msg["blocks"] = copy.deepcopy(blocks)
            if metadata is not None:
                msg["metadata"] = copy.deepcopy(metadata)
            if reactions:
                msg["reactions"] = [
                    {
                        "name": r["name"],
                        "users": list(r.get("users", [])),
                        "count": r.get("count", len(r.get("users", []))),
                    }
                    for r in reactions
                ]
            msg.update(copy.deepcopy(extra))
            ch.messages[ts] = msg
            # Keep freshly posted messages after seeded history.
            self._last_ts = max(self._last_ts, micros)
            return copy.deepcopy(msg)

    def expire_trigger(self, trigger_id: str) -> None:
        """views.open/push with this trigger_id now answer ``expired_trigger_id``."""
        with self._lock:
            self._expired_triggers.add(trigger_id)

    # -- fault injection ----------------------------------------------------------------------

    def set_scopes(self, team_id: str, scopes: tuple[str, ...] | None) -> None:
        """Grant the workspace's bot token these scopes (as Slack reports them in X-OAuth-Scopes)."""
        with self._lock:
            self._teams[team_id].scopes = scopes

    def fail_next(
        self,
        method: str,
        *,
        times: int = 1,
        status: int = 200,
        error: str | None = None,
        retry_after: int | None = None,
        match: Match | None = None,
    ) -> None:
        """Make the next ``times`` calls of ``method`` ("*" for any) fail without side effects.

        status 429 -> ``Retry-After`` header (default 1) and error "ratelimited";
        status 200 -> ``{"ok": false, "error": error or "internal_error"}``;
        other statuses -> that status with a JSON error body.
        With ``match``, only calls whose decoded params satisfy it fail (and count).
        """
        with self._lock:
            self._faults.setdefault(method, deque()).append(_Fault(status, error, retry_after, times, match))

    def clear_faults(self) -> None:
        """Forget every fault not yet used."""
        with self._lock:
            self._faults.clear()

    def hold(
        self,
        method: str,
        *,
        after: bool,
        times: int = 1,
        match: Match | None = None,
        timeout: float = 120.0,
    ) -> Hold:
        """Hold the next ``times`` matching calls of ``method`` until ``release()`` (or ``timeout`` s).

        ``after=True``: the call takes effect (a message is posted) and only its answer waits, as
        when Slack did the work but the client never heard back. ``after=False``: the call waits
        before anything happens. ``hold.wait_reached()`` returns once a call is held.
        """
        return self._holds.add(Hold(method, AFTER if after else BEFORE, match, times, timeout))

    def delay(
        self, method: str, seconds: float, *, after: bool = True, times: int = 1, match: Match | None = None
    ) -> Hold:
        """Answer the next ``times`` matching calls of ``method`` only after ``seconds`` (past a client's timeout)."""
        return self.hold(method, after=after, times=times, match=match, timeout=seconds)

    def hang_up(self, method: str, *, after: bool = True, times: int = 1, match: Match | None = None) -> Hold:
        """Close the connection of the next ``times`` matching calls unanswered (by default after their effect)."""
        return self._holds.add(Hold(method, AFTER if after else BEFORE, match, times, timeout=0.0, hang_up=True))

    def release_holds(self) -> None:
        """Answer every held call now and disarm every hold."""
        self._holds.clear()

    def _take_fault(self, method: str, params: JSONDict) -> _Fault | None:
        for key in (method, "*"):
            queue = self._faults.get(key)
            for fault in list(queue or ()):
                if fault.match is not None and not fault.match(params):
                    continue
                fault.remaining -= 1
                if fault.remaining <= 0:
                    assert queue is not None
                    queue.remove(fault)
                return fault
        return None

    # -- inspection ---------------------------------------------------------------------------

    def calls_to(self, method: str) -> list[SlackCall]:
        """Recorded calls of one method, in order."""
        with self._lock:
            return [c for c in self.calls if c.method == method]

    def clear_calls(self) -> None:
        """Forget recorded calls."""
        with self._lock:
            self.calls.clear()

    def posted_messages(self, channel: str | None = None) -> list[JSONDict]:
        """Messages created by chat.postMessage, in order (as posted, plus a ``channel`` key)."""
        with self._lock:
            return [_clone(m) for m in self._posted if channel is None or m["channel"] == channel]

    def ephemeral_messages(self, channel: str | None = None, user: str | None = None) -> list[JSONDict]:
        """Messages sent with chat.postEphemeral (channel, user, ts, text, blocks, thread_ts)."""
        with self._lock:
            return [
                _clone(m)
                for m in self._ephemeral
                if (channel is None or m["channel"] == channel) and (user is None or m["user"] == user)
            ]

    def scheduled_messages(self, channel: str | None = None) -> list[JSONDict]:
        """Pending chat.scheduleMessage messages (id, channel, post_at, text, ...)."""
        with self._lock:
            return [copy.deepcopy(m) for m in self._scheduled.values() if channel is None or m["channel"] == channel]

    def response_url(self, key: str = "default") -> str:
        """A response_url on this server to put in a fake slash-command/interaction payload."""
        return f"{self._server.origin}/response/{key}"

    def response_url_posts(self, key: str | None = None) -> list[JSONDict]:
        """JSON bodies POSTed to ``response_url(key)`` (all keys if None), without the key."""
        with self._lock:
            return [
                {k: v for k, v in copy.deepcopy(p).items() if k != "_response_url"}
                for p in self._responses
                if key is None or p["_response_url"] == key
            ]

    def messages(self, channel_id: str) -> list[JSONDict]:
        """Every message currently in a channel (threads included), oldest first."""
        with self._lock:
            ch = self._channels[channel_id]
            return [copy.deepcopy(ch.messages[ts]) for ts in self._sorted_ts(ch)]

    def message(self, channel_id: str, ts: str) -> JSONDict | None:
        """One message as stored, or None."""
        with self._lock:
            msg = self._channels[channel_id].messages.get(ts)
            return copy.deepcopy(msg) if msg is not None else None

    def channel_members(self, channel_id: str) -> list[str]:
        """Current members of a channel."""
        with self._lock:
            return list(self._channels[channel_id].members)

    def home_view(self, user_id: str) -> JSONDict | None:
        """The App Home view last published for a user."""
        with self._lock:
            view = self._home_views.get(user_id)
            return copy.deepcopy(view) if view is not None else None

    def views(self) -> list[JSONDict]:
        """Modal views opened/pushed/updated, in creation order (current state)."""
        with self._lock:
            return [copy.deepcopy(v) for v in self._views.values()]

    def files(self) -> list[SlackFile]:
        """Files created via the external upload flow, in order."""
        with self._lock:
            return [
                SlackFile(
                    id=f.id,
                    team_id=f.team_id,
                    filename=f.filename,
                    length=f.length,
                    title=f.title,
                    alt_txt=f.alt_txt,
                    content=f.content,
                    completed=f.completed,
                    channel_ids=tuple(f.channel_ids),
                    initial_comment=f.initial_comment,
                    thread_ts=f.thread_ts,
                )
                for f in self._files.values()
            ]

    # -- HTTP entry point ---------------------------------------------------------------------

    def _home_of(self, user_id: str) -> tuple[str, str | None] | None:
        """A user's workspace and its organization, if the user exists."""
        user = self._users.get(user_id)
        if user is None:
            return None
        return user.team_id, self._teams[user.team_id].enterprise_id

    def _handle_http(self, request: HttpRequest) -> HttpResponse:
        if request.path == "/oauth/v2/authorize":
            status, headers, page = self.oauth.authorize_page(request.method, request.query, request.body)
            return HttpResponse(status, {"Content-Type": "text/html; charset=utf-8", **headers}, page.encode("utf-8"))
        if request.path.startswith("/upload/v1/"):
            return self._handle_upload(request)
        if request.path.startswith("/response/"):
            return self._handle_response_url(request)
        if not request.path.startswith("/api/"):
            return HttpResponse.of_text(404, "not found")
        method = request.path[len("/api/") :]
        params, token, encoding, parse_error = self._parse(request)
        held = self._holds.take(method, params, BEFORE)
        if held is not None:
            pause(held)
        response = self._answer(request, method, params, token, encoding, parse_error)
        held = self._holds.take(method, params, AFTER)
        if held is not None:
            pause(held)
        return response

    def _answer(
        self,
        request: HttpRequest,
        method: str,
        params: JSONDict,
        token: str | None,
        encoding: str,
        parse_error: str | None,
    ) -> HttpResponse:
        with self._lock:
            fault = self._take_fault(method, params)
            status, headers = 200, {"X-Slack-Req-Id": f"fake-{next(self._ids)}"}
            body: JSONDict
            if fault is not None:
                status = fault.status
                default_error = {429: "ratelimited", 503: "service_unavailable"}.get(status, "internal_error")
                body = {"ok": False, "error": fault.error or default_error}
                retry_after = fault.retry_after
                if status == 429 and retry_after is None:
                    retry_after = 1  # Slack always tells you how long to back off
                if retry_after is not None:
                    headers["Retry-After"] = str(retry_after)
            elif parse_error is not None:
                body = {"ok": False, "error": parse_error}
            elif method == "oauth.v2.access":
                # Authenticated by the app's client id and secret, not by a token.
                body = self.oauth.access(params, request.headers.get("authorization", ""))
            elif method not in self._methods:
                # Slack answers unknown methods with HTTP 200 and ok=false.
                body = {"ok": False, "error": "unknown_method"}
            else:
                body = self._dispatch(method, params, token)
                team = self._teams.get(self._tokens.get(token or "", ""))
                if team is not None and team.scopes is not None:
                    headers["X-OAuth-Scopes"] = ",".join(team.scopes)
            self.calls.append(
                SlackCall(
                    method=method,
                    params=params,
                    token=token,
                    headers=dict(request.headers),
                    http_status=status,
                    encoding=encoding,
                    response=_clone(body),
                )
            )
            return HttpResponse.of_json(status, body, headers)

    def _parse(self, request: HttpRequest) -> tuple[JSONDict, str | None, str, str | None]:
        """Decode query + body into params; returns (params, token, encoding, error)."""
        params: JSONDict = dict(parse_qsl(request.query, keep_blank_values=True))
        encoding = "query" if params else "none"
        content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        error: str | None = None
        body_token: str | None = None
        if request.body:
            if content_type == "application/json":
                encoding = "json"
                try:
                    decoded = json.loads(request.body)
                except ValueError:
                    decoded = None
                if isinstance(decoded, dict):
                    # Slack ignores a token inside a JSON body: JSON requests must use the
                    # Authorization header (slack_sdk moves it there for you).
                    params.update(decoded)
                else:
                    error = "invalid_json"
            elif content_type in {"application/x-www-form-urlencoded", ""}:
                encoding = "form"
                form = dict(parse_qsl(request.body.decode("utf-8", "replace"), keep_blank_values=True))
                body_token = form.pop("token", None)
                params.update(form)
            else:
                encoding = content_type
                error = "invalid_form_data"
        query_token = params.pop("token", None) if encoding != "json" else None
        if encoding != "json":
            for key in _JSON_FIELDS & params.keys():
                value = params[key]
                if isinstance(value, str) and value[:1] in {"[", "{"}:
                    # Undecodable values stay strings; the method answers invalid_* like Slack.
                    with contextlib.suppress(ValueError):
                        params[key] = json.loads(value)
        auth = request.headers.get("authorization", "")
        token = auth[len("Bearer ") :].strip() if auth.startswith("Bearer ") else None
        return params, token or body_token or query_token, encoding, error

    def _dispatch(self, method: str, params: JSONDict, token: str | None) -> JSONDict:
        if not token:
            return {"ok": False, "error": "not_authed"}
        if method == "apps.connections.open":
            # Socket Mode: an app-level token (xapp-) gets the WebSocket URL to connect to.
            if token not in self.app_tokens or self.socket_mode_url is None:
                return {"ok": False, "error": "invalid_auth"}
            return {"ok": True, "url": self.socket_mode_url}
        if token in self._revoked:
            return {"ok": False, "error": "token_revoked"}
        if self.oauth.token_expired(token):
            return {"ok": False, "error": "token_expired"}
        team_id = self._tokens.get(token)
        if team_id is None:
            return {"ok": False, "error": "invalid_auth"}
        try:
            return {"ok": True, **self._methods[method](_Ctx(self._teams[team_id], token), params)}
        except SlackError as err:
            return {"ok": False, "error": err.error, **err.extra}

    def _handle_upload(self, request: HttpRequest) -> HttpResponse:
        # files.getUploadURLExternal hands out a URL on this same server; the client POSTs the
        # raw bytes there (slack_sdk uses urllib, so Content-Type is a meaningless form type).
        file_id = request.path[len("/upload/v1/") :]
        with self._lock:
            f = self._files.get(file_id)
            if f is None or request.method != "POST":
                return HttpResponse.of_text(404, "not found")
            f.content = request.body
            return HttpResponse.of_text(200, f"OK - {len(request.body)}")

    def _handle_response_url(self, request: HttpRequest) -> HttpResponse:
        # response_url (slash commands, interactions) takes a JSON body and needs no token.
        key = request.path[len("/response/") :]
        try:
            payload = json.loads(request.body or b"null")
        except ValueError:
            return HttpResponse.of_text(400, "invalid_payload")
        if not isinstance(payload, dict):
            return HttpResponse.of_text(400, "invalid_payload")
        with self._lock:
            self._responses.append({**payload, "_response_url": key})
        return HttpResponse.of_json(200, {"ok": True})

    # -- helpers ------------------------------------------------------------------------------

    def _now(self) -> datetime:
        return self._clock()

    def _new_ts(self) -> str:
        self._last_ts += 100
        return _micros_to_ts(self._last_ts)

    def _new_id(self, prefix: str) -> str:
        return f"{prefix}{next(self._ids):08d}"

    def _sorted_ts(self, ch: _Channel) -> list[str]:
        return sorted(ch.messages, key=_ts_to_micros)

    def _team_of_user(self, ctx: _Ctx, user_id: str | None) -> _User:
        user = self._users.get(user_id or "")
        if user is None or user.team_id != ctx.team.id:
            raise SlackError("user_not_found")
        return user

    def _visible_channel(self, ctx: _Ctx, channel_id: str | None) -> _Channel:
        ch = self._channels.get(channel_id or "")
        if ch is None or (ch.team_id != ctx.team.id and ctx.team.id not in ch.shared_team_ids):
            raise SlackError("channel_not_found")
        # Bots cannot see private conversations they are not part of: Slack says "not found".
        if ch.is_private and ctx.team.bot_user_id not in ch.members:
            raise SlackError("channel_not_found")
        return ch

    def _member_channel(self, ctx: _Ctx, channel_id: str | None) -> _Channel:
        ch = self._visible_channel(ctx, channel_id)
        if ctx.team.bot_user_id not in ch.members:
            raise SlackError("not_in_channel")
        return ch

    def _postable_channel(self, ctx: _Ctx, channel: str | None) -> _Channel:
        """Resolve chat.* ``channel``: an id, a #name, or a user id (meaning the bot's DM)."""
        channel = channel or ""
        if channel[:1] in {"U", "W"} and channel in self._users:
            # Posting to a user id lands in the bot's DM with that user (App Home "Messages").
            return self._open_im(ctx, self._team_of_user(ctx, channel))
        if channel not in self._channels:
            wanted = channel.lstrip("#")
            for ch in self._channels.values():
                if ch.team_id == ctx.team.id and ch.name == wanted and wanted:
                    channel = ch.id
                    break
        ch = self._visible_channel(ctx, channel)
        if ctx.team.bot_user_id not in ch.members and (ch.is_private or not self.chat_write_public):
            raise SlackError("not_in_channel")
        if ch.is_archived:
            raise SlackError("is_archived")
        return ch

    def _open_im(self, ctx: _Ctx, user: _User) -> _Channel:
        channel_id = f"D{user.id}"
        if channel_id not in self._channels:
            self._channels[channel_id] = _Channel(
                id=channel_id,
                team_id=ctx.team.id,
                name=None,
                is_private=True,
                is_im=True,
                is_mpim=False,
                members=[user.id, ctx.team.bot_user_id],
                is_ext_shared=False,
                is_archived=False,
                created=int(self._now().timestamp()),
                shared_team_ids=[],
                im_user=user.id,
            )
        return self._channels[channel_id]

    def _find_message(self, ch: _Channel, ts: str | None) -> JSONDict:
        msg = ch.messages.get(ts or "")
        if msg is None:
            raise SlackError("message_not_found")
        return msg

    def _thread_root(self, ch: _Channel, ts: str) -> str:
        msg = ch.messages.get(ts)
        if msg is not None and msg.get("thread_ts") and msg["thread_ts"] != ts:
            return str(msg["thread_ts"])  # Slack re-roots replies-to-replies at the parent
        return ts

    def _replies(self, ch: _Channel, parent_ts: str) -> list[JSONDict]:
        out = [
            m
            for m in ch.messages.values()
            if m.get("thread_ts") == parent_ts and m["ts"] != parent_ts and m.get("subtype") != "tombstone"
        ]
        return sorted(out, key=lambda m: _ts_to_micros(m["ts"]))

    def _render(self, ch: _Channel, msg: JSONDict, *, include_metadata: bool) -> JSONDict:
        out: JSONDict = _clone(msg)
        if not include_metadata:
            out.pop("metadata", None)  # only returned with include_all_metadata=true
        ts = out["ts"]
        replies = self._replies(ch, ts)
        if replies:
            users = list(dict.fromkeys(r.get("user", "") for r in replies if r.get("user")))
            out.update(
                thread_ts=ts,
                reply_count=len(replies),
                reply_users_count=len(users),
                latest_reply=replies[-1]["ts"],
                reply_users=users[:5],
                is_locked=False,
                subscribed=False,
            )
        elif out.get("thread_ts") and out["thread_ts"] != ts:
            parent = ch.messages.get(out["thread_ts"])
            if parent is not None and parent.get("user"):
                out["parent_user_id"] = parent["user"]
        return out

    def _is_top_level(self, msg: JSONDict) -> bool:
        thread_ts = msg.get("thread_ts")
        return not thread_ts or thread_ts == msg["ts"] or msg.get("subtype") == "thread_broadcast"

    def _bot_message(self, ctx: _Ctx, ts: str) -> JSONDict:
        team = ctx.team
        return {
            "type": "message",
            "ts": ts,
            "user": team.bot_user_id,
            "bot_id": team.bot_id,
            "app_id": team.app_id,
            "team": team.id,
            "bot_profile": {
                "id": team.bot_id,
                "app_id": team.app_id,
                "name": team.bot_name,
                "deleted": False,
                "team_id": team.id,
                "icons": {"image_36": "https://example.invalid/bot_36.png"},
            },
        }

    def _validate_content(self, params: JSONDict, *, require: bool = True) -> JSONDict:
        """Check text/blocks/attachments/metadata the way Slack does; returns message fields."""
        fields: JSONDict = {}
        text = params.get("text")
        blocks = params.get("blocks")
        attachments = params.get("attachments")
        if require and not text and not blocks and not attachments:
            raise SlackError("no_text")
        if text is not None:
            if len(str(text)) > 40_000:
                raise SlackError("msg_too_long")
            fields["text"] = str(text)
        if blocks is not None:
            if isinstance(blocks, str):
                raise SlackError("invalid_blocks_format")
            if (
                not isinstance(blocks, list)
                or len(blocks) > 50
                or not all(isinstance(b, dict) and isinstance(b.get("type"), str) for b in blocks)
            ):
                raise SlackError("invalid_blocks")
            fields["blocks"] = blocks
        if attachments is not None:
            if not isinstance(attachments, list):
                raise SlackError("invalid_attachments")
            fields["attachments"] = attachments
        metadata = params.get("metadata")
        if metadata is not None:
            if (
                not isinstance(metadata, dict)
                or not isinstance(metadata.get("event_type"), str)
                or not isinstance(metadata.get("event_payload"), dict)
            ):
                raise SlackError("invalid_metadata_format")
            fields["metadata"] = metadata
        return fields

    def _user_json(self, user: _User) -> JSONDict:
        out: JSONDict = {
            "id": user.id,
            "team_id": user.team_id,
            "name": user.name,
            "deleted": user.deleted,
            "color": "9f69e7",
            "real_name": user.real_name,
        }
        if user.tz is not None:
            zone = ZoneInfo(user.tz)
            now = self._now().astimezone(zone)
            standard, summer = _TZ_LABELS.get(user.tz, (now.tzname() or user.tz,) * 2)
            out["tz"] = user.tz
            out["tz_label"] = summer if now.dst() else standard
            offset = now.utcoffset()
            out["tz_offset"] = (
                user.tz_offset if user.tz_offset is not None else int(offset.total_seconds()) if offset else 0
            )
        elif user.tz_offset is not None:
            out["tz_offset"] = user.tz_offset
        out["profile"] = {
            "real_name": user.real_name,
            "real_name_normalized": user.real_name,
            "display_name": user.display_name,
            "display_name_normalized": user.display_name,
            "first_name": user.real_name.split(" ")[0] if user.real_name else "",
            "last_name": " ".join(user.real_name.split(" ")[1:]),
            "status_text": "",
            "status_emoji": "",
            "avatar_hash": "g000000000000",
            "image_48": "https://example.invalid/avatar_48.png",
            "team": user.team_id,
            **({"email": user.email} if user.email else {}),
            **({"bot_id": user.bot_id} if user.bot_id else {}),
        }
        org = self._teams[user.team_id].enterprise_id if user.team_id in self._teams else None
        if org is not None:
            # Every member of an Enterprise Grid org says so, whichever organization asks.
            out["enterprise_user"] = {
                "id": user.id,
                "enterprise_id": org,
                "enterprise_name": f"{org} Org",
                "is_admin": user.is_admin,
                "is_owner": user.is_owner,
                "teams": sorted(t.id for t in self._teams.values() if t.enterprise_id == org),
            }
        out.update(
            is_admin=user.is_admin,
            is_owner=user.is_owner,
            is_primary_owner=user.is_owner,
            is_restricted=user.is_restricted,
            is_ultra_restricted=False,
            is_bot=user.is_bot,
            is_app_user=False,
            updated=1_600_000_000,
        )
        return out

    def _channel_json(self, ctx: _Ctx, ch: _Channel, *, include_num_members: bool) -> JSONDict:
        if ch.is_im:
            return {
                "id": ch.id,
                "created": ch.created,
                "is_archived": ch.is_archived,
                "is_im": True,
                "is_org_shared": False,
                "context_team_id": ch.team_id,
                "user": ch.im_user,
                "is_user_deleted": ch.im_user in self._users and self._users[ch.im_user].deleted,
                "priority": 0,
            }
        out: JSONDict = {
            "id": ch.id,
            "name": ch.name,
            "is_channel": not ch.is_mpim,
            "is_group": False,
            "is_im": False,
            "is_mpim": ch.is_mpim,
            "is_private": ch.is_private,
            "created": ch.created,
            "is_archived": ch.is_archived,
            "is_general": ch.name == "general",
            "unlinked": 0,
            "name_normalized": ch.name,
            "is_shared": ch.is_ext_shared,
            "is_org_shared": False,
            "is_ext_shared": ch.is_ext_shared,
            "is_pending_ext_shared": False,
            "pending_shared": [],
            "context_team_id": ctx.team.id,
            "updated": ch.created * 1000,
            "parent_conversation": None,
            "creator": ch.members[0] if ch.members else "",
            "is_member": ctx.team.bot_user_id in ch.members,
            "topic": {"value": ch.topic, "creator": "", "last_set": 0},
            "purpose": {"value": ch.purpose, "creator": "", "last_set": 0},
            "previous_names": [],
        }
        if ch.is_ext_shared:
            out["shared_team_ids"] = [ch.team_id, *ch.shared_team_ids]
        # Slack only counts members when asked to (include_num_members=true).
        if include_num_members:
            out["num_members"] = len(ch.members)
        return out

    def _permalink(self, ctx: _Ctx, ch: _Channel, msg: JSONDict) -> str:
        link = f"https://{ctx.team.domain}.slack.com/archives/{ch.id}/p{msg['ts'].replace('.', '')}"
        thread_ts = msg.get("thread_ts")
        if thread_ts and thread_ts != msg["ts"]:
            link += f"?thread_ts={thread_ts}&cid={ch.id}"
        return link

    # -- auth / team / bots / users -----------------------------------------------------------

    def _auth_test(self, ctx: _Ctx, params: JSONDict) -> JSONDict:
        team = ctx.team
        out: JSONDict = {
            "url": f"https://{team.domain}.slack.com/",
            "team": team.name,
            "user": team.bot_name,
            "team_id": team.id,
            "user_id": team.bot_user_id,
            "bot_id": team.bot_id,
        }
        if team.enterprise_id is not None:
            out["enterprise_id"] = team.enterprise_id
        out["is_enterprise_install"] = team.is_enterprise_install
        return out

    def _team_info(self, ctx: _Ctx, params: JSONDict) -> JSONDict:
        team = self._teams.get(_opt_str(params, "team") or ctx.team.id)
        if team is None:
            raise SlackError("team_not_found")
        out: JSONDict = {
            "id": team.id,
            "name": team.name,
            "url": f"https://{team.domain}.slack.com/",
            "domain": team.domain,
            "email_domain": "",
            "icon": {"image_default": True, "image_34": "https://example.invalid/team_34.png"},
            "avatar_base_url": "https://example.invalid/",
            "is_verified": False,
        }
        if team.enterprise_id is not None:
            out.update(enterprise_id=team.enterprise_id, enterprise_name=f"{team.name} Enterprise")
        return {"team": out}

    def _bots_info(self, ctx: _Ctx, params: JSONDict) -> JSONDict:
        bot = self._bots.get(_opt_str(params, "bot") or "")
        if bot is None:
            raise SlackError("bot_not_found")
        out: JSONDict = {
            "id": bot.id,
            "deleted": bot.deleted,
            "name": bot.name,
            "updated": 1_600_000_000,
            "icons": {"image_36": "https://example.invalid/bot_36.png"},
        }
        if bot.app_id:
            out["app_id"] = bot.app_id
        if bot.user_id:
            out["user_id"] = bot.user_id
        return {"bot": out}

    def _users_info(self, ctx: _Ctx, params: JSONDict) -> JSONDict:
        user = self._users.get(_opt_str(params, "user") or "")
        if user is not None and user.team_id != ctx.team.id and self._may_see_user(ctx, user):
            # Slack shows a workspace the people of its own Grid org, and those it shares a channel with.
            return {"user": self._user_json(user)}
        return {"user": self._user_json(self._team_of_user(ctx, _opt_str(params, "user")))}

    def _may_see_user(self, ctx: _Ctx, user: _User) -> bool:
        org = self._teams[user.team_id].enterprise_id
        if org is not None and org == ctx.team.enterprise_id:
            return True
        return any(
            user.id in ch.members
            and ctx.team.id in {ch.team_id, *ch.shared_team_ids}
            and user.team_id in {ch.team_id, *ch.shared_team_ids}
            for ch in self._channels.values()
        )

    def _users_list(self, ctx: _Ctx, params: JSONDict) -> JSONDict:
        users = [u for u in self._users.values() if u.team_id == ctx.team.id]
        page, next_cursor = _page_by_offset(users, params, "users", default_limit=0)
        return {
            "members": [self._user_json(u) for u in page],
            "cache_ts": int(self._now().timestamp()),
            "response_metadata": {"next_cursor": next_cursor},
        }

    # -- conversations ------------------------------------------------------------------------

    def _conversations_info(self, ctx: _Ctx, params: JSONDict) -> JSONDict:
        ch = self._visible_channel(ctx, _opt_str(params, "channel"))
        return {"channel": self._channel_json(ctx, ch, include_num_members=_opt_bool(params, "include_num_members"))}

    def _conversations_list(self, ctx: _Ctx, params: JSONDict) -> JSONDict:
        types = set((_opt_str(params, "types") or "public_channel").split(","))
        exclude_archived = _opt_bool(params, "exclude_archived")
        wanted: list[_Channel] = []
        for ch in self._channels.values():
            try:
                self._visible_channel(ctx, ch.id)
            except SlackError:
                continue
            kind = (
                "im" if ch.is_im else "mpim" if ch.is_mpim else "private_channel" if ch.is_private else "public_channel"
            )
            if kind in types and not (exclude_archived and ch.is_archived):
                wanted.append(ch)
        page, next_cursor = _page_by_offset(wanted, params, "channels", default_limit=100)
        return {
            "channels": [self._channel_json(ctx, ch, include_num_members=True) for ch in page],
            "response_metadata": {"next_cursor": next_cursor},
        }

    def _conversations_join(self, ctx: _Ctx, params: JSONDict) -> JSONDict:
        ch = self._visible_channel(ctx, _opt_str(params, "channel"))
        if ch.is_private:
            raise SlackError("method_not_supported_for_channel_type")
        if ch.is_archived:
            raise SlackError("is_archived")
        out: JSONDict = {}
        if ctx.team.bot_user_id in ch.members:
            out["warning"] = "already_in_channel"
        else:
            ch.members.append(ctx.team.bot_user_id)
        return {"channel": self._channel_json(ctx, ch, include_num_members=False), **out}

    def _conversations_members(self, ctx: _Ctx, params: JSONDict) -> JSONDict:
        ch = self._visible_channel(ctx, _opt_str(params, "channel"))
        page, next_cursor = _page_by_offset(list(ch.members), params, "members", default_limit=100)
        return {"members": page, "response_metadata": {"next_cursor": next_cursor}}

    def _window(self, params: JSONDict) -> Callable[[JSONDict], bool]:
        """The latest/oldest/inclusive filter shared by history and replies."""
        latest_s = _opt_str(params, "latest")
        oldest_s = _opt_str(params, "oldest")
        try:
            latest = _ts_to_micros(latest_s) if latest_s else None
        except ValueError as exc:
            raise SlackError("invalid_ts_latest") from exc
        try:
            oldest = _ts_to_micros(oldest_s) if oldest_s else None
        except ValueError as exc:
            raise SlackError("invalid_ts_oldest") from exc
        inclusive = _opt_bool(params, "inclusive")

        def keep(msg: JSONDict) -> bool:
            ts = _ts_to_micros(msg["ts"])
            if latest is not None and (ts > latest or (ts == latest and not inclusive)):
                return False
            return not (oldest is not None and (ts < oldest or (ts == oldest and not inclusive)))

        return keep

    def _conversations_history(self, ctx: _Ctx, params: JSONDict) -> JSONDict:
        ch = self._member_channel(ctx, _opt_str(params, "channel"))
        keep = self._window(params)
        newest_first = [
            ch.messages[ts]
            for ts in reversed(self._sorted_ts(ch))
            if self._is_top_level(ch.messages[ts]) and keep(ch.messages[ts])
        ]
        cursor = _opt_str(params, "cursor")
        if cursor:
            try:
                start = _ts_to_micros(_decode_cursor("next_ts", cursor))
            except ValueError as exc:
                raise SlackError("invalid_cursor") from exc
            newest_first = [m for m in newest_first if _ts_to_micros(m["ts"]) <= start]
        limit = min(_opt_int(params, "limit") or 100, 999)
        page, rest = newest_first[:limit], newest_first[limit:]
        include_metadata = _opt_bool(params, "include_all_metadata")
        out: JSONDict = {
            "messages": [self._render(ch, m, include_metadata=include_metadata) for m in page],
            "has_more": bool(rest),
            "pin_count": 0,
            "channel_actions_ts": None,
            "channel_actions_count": 0,
        }
        out["response_metadata"] = {"next_cursor": _encode_cursor("next_ts", rest[0]["ts"]) if rest else ""}
        return out

    def _conversations_replies(self, ctx: _Ctx, params: JSONDict) -> JSONDict:
        ch = self._member_channel(ctx, _opt_str(params, "channel"))
        ts = _opt_str(params, "ts")
        if ts is None or ts not in ch.messages:
            raise SlackError("thread_not_found")
        parent = ch.messages[self._thread_root(ch, ts)]
        keep = self._window(params)
        items = [parent, *[r for r in self._replies(ch, parent["ts"]) if keep(r)]]
        page, next_cursor = _page_by_offset(items, params, "replies", default_limit=1000)
        include_metadata = _opt_bool(params, "include_all_metadata")
        return {
            "messages": [self._render(ch, m, include_metadata=include_metadata) for m in page],
            "has_more": bool(next_cursor),
            "response_metadata": {"next_cursor": next_cursor},
        }

    def _conversations_open(self, ctx: _Ctx, params: JSONDict) -> JSONDict:
        channel_param = _opt_str(params, "channel")
        if channel_param is not None:
            ch = self._visible_channel(ctx, channel_param)
            return {"no_op": True, "already_open": True, "channel": {"id": ch.id}}
        raw = _opt_str(params, "users")
        if raw is None:
            raise SlackError("users_list_not_supplied")
        user_ids = [u.strip() for u in raw.split(",") if u.strip()]
        if len(user_ids) > 8:
            raise SlackError("too_many_users")
        users = [self._team_of_user(ctx, u) for u in user_ids]
        for user in users:
            if user.deleted:
                raise SlackError("user_disabled")
        if len(users) == 1:
            if users[0].is_bot:
                raise SlackError("cannot_dm_bot")
            existed = f"D{users[0].id}" in self._channels
            ch = self._open_im(ctx, users[0])
        else:
            member_ids = sorted({u.id for u in users} | {ctx.team.bot_user_id})
            channel_id = "G" + "".join(m[-3:] for m in member_ids)
            existed = channel_id in self._channels
            if not existed:
                self._channels[channel_id] = _Channel(
                    id=channel_id,
                    team_id=ctx.team.id,
                    name="mpdm-" + "--".join(self._users[m].name for m in member_ids) + "-1",
                    is_private=True,
                    is_im=False,
                    is_mpim=True,
                    members=member_ids,
                    is_ext_shared=False,
                    is_archived=False,
                    created=int(self._now().timestamp()),
                    shared_team_ids=[],
                )
            ch = self._channels[channel_id]
        channel_json: JSONDict = (
            self._channel_json(ctx, ch, include_num_members=False) if _opt_bool(params, "return_im") else {"id": ch.id}
        )
        out: JSONDict = {"channel": channel_json}
        if existed:
            out = {"no_op": True, "already_open": True, **out}
        return out

    # -- chat ---------------------------------------------------------------------------------

    def _chat_post_message(self, ctx: _Ctx, params: JSONDict) -> JSONDict:
        ch = self._postable_channel(ctx, _opt_str(params, "channel"))
        fields = self._validate_content(params)
        thread_ts = _opt_str(params, "thread_ts")
        if thread_ts is not None:
            if thread_ts not in ch.messages:
                raise SlackError("invalid_thread_ts")
            thread_ts = self._thread_root(ch, thread_ts)
        ts = self._new_ts()
        msg = self._bot_message(ctx, ts)
        if thread_ts is not None and _opt_bool(params, "reply_broadcast"):
            msg["subtype"] = "thread_broadcast"
        msg.update(fields)
        msg.setdefault("text", "")
        if thread_ts is not None:
            msg["thread_ts"] = thread_ts
        ch.messages[ts] = msg
        self._posted.append({**_clone(msg), "channel": ch.id})
        return {"channel": ch.id, "ts": ts, "message": _clone(msg)}

    def _chat_post_ephemeral(self, ctx: _Ctx, params: JSONDict) -> JSONDict:
        ch = self._postable_channel(ctx, _opt_str(params, "channel"))
        user_id = _opt_str(params, "user")
        shared_user = self._users.get(user_id or "")
        # In a Slack Connect channel, people of the other organizations can be told things too.
        if shared_user is not None and shared_user.team_id in ch.shared_team_ids and shared_user.id in ch.members:
            user = shared_user
        else:
            user = self._team_of_user(ctx, user_id)
        if user.id not in ch.members:
            raise SlackError("user_not_in_channel")
        fields = self._validate_content(params)
        ts = self._new_ts()
        self._ephemeral.append(
            {
                "channel": ch.id,
                "user": user.id,
                "ts": ts,
                "thread_ts": _opt_str(params, "thread_ts"),
                **fields,
            }
        )
        return {"message_ts": ts}

    def _own_message(self, ctx: _Ctx, msg: JSONDict, error: str) -> None:
        if msg.get("bot_id") != ctx.team.bot_id and msg.get("user") != ctx.team.bot_user_id:
            raise SlackError(error)

    def _chat_update(self, ctx: _Ctx, params: JSONDict) -> JSONDict:
        ch = self._visible_channel(ctx, _opt_str(params, "channel"))
        msg = self._find_message(ch, _opt_str(params, "ts"))
        self._own_message(ctx, msg, "cant_update_message")
        fields = self._validate_content(params, require=False)
        # Fields left out keep their old value; blocks=[] clears the blocks.
        msg.update(fields)
        if msg.get("blocks") == []:
            del msg["blocks"]
        msg["edited"] = {"user": ctx.team.bot_user_id, "ts": self._new_ts()}
        return {"channel": ch.id, "ts": msg["ts"], "text": msg.get("text", ""), "message": copy.deepcopy(msg)}

    def _chat_delete(self, ctx: _Ctx, params: JSONDict) -> JSONDict:
        ch = self._visible_channel(ctx, _opt_str(params, "channel"))
        msg = self._find_message(ch, _opt_str(params, "ts"))
        self._own_message(ctx, msg, "cant_delete_message")
        ts = msg["ts"]
        if self._replies(ch, ts):
            # A parent with replies stays behind as a tombstone so the thread survives.
            ch.messages[ts] = {
                "type": "message",
                "subtype": "tombstone",
                "text": "This message was deleted.",
                "user": "USLACKBOT",
                "hidden": True,
                "ts": ts,
                "thread_ts": ts,
            }
        else:
            del ch.messages[ts]
        return {"channel": ch.id, "ts": ts}

    def _chat_get_permalink(self, ctx: _Ctx, params: JSONDict) -> JSONDict:
        ch = self._visible_channel(ctx, _opt_str(params, "channel"))
        msg = self._find_message(ch, _opt_str(params, "message_ts"))
        return {"channel": ch.id, "permalink": self._permalink(ctx, ch, msg)}

    def _chat_schedule_message(self, ctx: _Ctx, params: JSONDict) -> JSONDict:
        ch = self._postable_channel(ctx, _opt_str(params, "channel"))
        post_at = _opt_int(params, "post_at")
        if post_at is None:
            raise SlackError("invalid_time")
        now = int(self._now().timestamp())
        if post_at <= now:
            raise SlackError("time_in_past")
        if post_at > now + 120 * 86_400:
            raise SlackError("time_too_far")
        fields = self._validate_content(params)
        scheduled_id = self._new_id("Q")
        entry: JSONDict = {
            "id": scheduled_id,
            "channel": ch.id,
            "post_at": post_at,
            "date_created": now,
            "thread_ts": _opt_str(params, "thread_ts"),
            **fields,
        }
        self._scheduled[scheduled_id] = entry
        message = {k: v for k, v in self._bot_message(ctx, "").items() if k != "ts"}
        message.update(fields)
        return {
            "channel": ch.id,
            "scheduled_message_id": scheduled_id,
            "post_at": post_at,
            "message": message,
        }

    def _chat_delete_scheduled(self, ctx: _Ctx, params: JSONDict) -> JSONDict:
        self._visible_channel(ctx, _opt_str(params, "channel"))
        scheduled_id = _opt_str(params, "scheduled_message_id") or ""
        if self._scheduled.pop(scheduled_id, None) is None:
            raise SlackError("invalid_scheduled_message_id")
        return {}

    def _chat_scheduled_list(self, ctx: _Ctx, params: JSONDict) -> JSONDict:
        channel = _opt_str(params, "channel")
        items = [
            {
                "id": m["id"],
                "channel_id": m["channel"],
                "post_at": m["post_at"],
                "date_created": m["date_created"],
                "text": m.get("text", ""),
            }
            for m in self._scheduled.values()
            if (channel is None or m["channel"] == channel) and self._channels[m["channel"]].team_id == ctx.team.id
        ]
        page, next_cursor = _page_by_offset(items, params, "scheduled", default_limit=100)
        return {"scheduled_messages": page, "response_metadata": {"next_cursor": next_cursor}}

    # -- reactions ----------------------------------------------------------------------------

    def _reactions_add(self, ctx: _Ctx, params: JSONDict) -> JSONDict:
        ch = self._visible_channel(ctx, _opt_str(params, "channel"))
        msg = self._find_message(ch, _opt_str(params, "timestamp"))
        name = _opt_str(params, "name")
        if not name or ":" in name.strip(":") or " " in name:
            raise SlackError("invalid_name")
        name = name.strip(":")  # Slack tolerates surrounding colons
        reactions: list[JSONDict] = msg.setdefault("reactions", [])
        for reaction in reactions:
            if reaction["name"] == name:
                if ctx.team.bot_user_id in reaction["users"]:
                    raise SlackError("already_reacted")
                reaction["users"].append(ctx.team.bot_user_id)
                reaction["count"] += 1
                return {}
        reactions.append({"name": name, "users": [ctx.team.bot_user_id], "count": 1})
        return {}

    # -- views --------------------------------------------------------------------------------

    def _make_view(self, ctx: _Ctx, view: Any, *, view_id: str, kinds: set[str]) -> JSONDict:
        if not isinstance(view, dict) or view.get("type") not in kinds:
            raise SlackError("invalid_arguments")
        blocks = view.get("blocks", [])
        if not isinstance(blocks, list) or len(blocks) > 100:
            raise SlackError("invalid_arguments")
        if view["type"] == "modal" and not isinstance(view.get("title"), dict):
            raise SlackError("invalid_arguments")
        return {
            "id": view_id,
            "team_id": ctx.team.id,
            "type": view["type"],
            "blocks": copy.deepcopy(blocks),
            "private_metadata": view.get("private_metadata", ""),
            "callback_id": view.get("callback_id", ""),
            "state": {"values": {}},
            "hash": f"{int(self._now().timestamp())}.{next(self._ids):08x}",
            "title": view.get("title"),
            "close": view.get("close"),
            "submit": view.get("submit"),
            "clear_on_close": bool(view.get("clear_on_close", False)),
            "notify_on_close": bool(view.get("notify_on_close", False)),
            "external_id": view.get("external_id", ""),
            "previous_view_id": None,
            "root_view_id": view_id,
            "app_id": ctx.team.app_id,
            "app_installed_team_id": ctx.team.id,
            "bot_id": ctx.team.bot_id,
        }

    def _check_trigger(self, params: JSONDict) -> None:
        trigger_id = _opt_str(params, "trigger_id")
        if trigger_id is None:
            raise SlackError("invalid_arguments")
        if trigger_id in self._expired_triggers:
            raise SlackError("expired_trigger_id")

    def _views_publish(self, ctx: _Ctx, params: JSONDict) -> JSONDict:
        user = self._team_of_user(ctx, _opt_str(params, "user_id"))
        current = self._home_views.get(user.id)
        expected_hash = _opt_str(params, "hash")
        if expected_hash is not None and current is not None and current["hash"] != expected_hash:
            raise SlackError("hash_conflict")
        view_id = current["id"] if current is not None else self._new_id("V")
        view = self._make_view(ctx, params.get("view"), view_id=view_id, kinds={"home"})
        self._home_views[user.id] = view
        return {"view": copy.deepcopy(view)}

    def _views_open(self, ctx: _Ctx, params: JSONDict) -> JSONDict:
        self._check_trigger(params)
        view = self._make_view(ctx, params.get("view"), view_id=self._new_id("V"), kinds={"modal"})
        self._views[view["id"]] = view
        return {"view": copy.deepcopy(view)}

    def _views_push(self, ctx: _Ctx, params: JSONDict) -> JSONDict:
        self._check_trigger(params)
        view = self._make_view(ctx, params.get("view"), view_id=self._new_id("V"), kinds={"modal"})
        previous = next(reversed(self._views.values()), None)
        if previous is not None:
            view["previous_view_id"] = previous["id"]
            view["root_view_id"] = previous["root_view_id"]
        self._views[view["id"]] = view
        return {"view": copy.deepcopy(view)}

    def _views_update(self, ctx: _Ctx, params: JSONDict) -> JSONDict:
        view_id = _opt_str(params, "view_id")
        external_id = _opt_str(params, "external_id")
        current = next(
            (
                v
                for v in [*self._views.values(), *self._home_views.values()]
                if v["team_id"] == ctx.team.id
                and ((view_id and v["id"] == view_id) or (external_id and v["external_id"] == external_id))
            ),
            None,
        )
        if current is None:
            raise SlackError("not_found")
        expected_hash = _opt_str(params, "hash")
        if expected_hash is not None and current["hash"] != expected_hash:
            raise SlackError("hash_conflict")
        view = self._make_view(ctx, params.get("view"), view_id=current["id"], kinds={current["type"]})
        view["previous_view_id"] = current["previous_view_id"]
        view["root_view_id"] = current["root_view_id"]
        current.clear()
        current.update(view)
        return {"view": copy.deepcopy(view)}

    # -- files (upload v2 flow) ---------------------------------------------------------------

    def _files_get_upload_url(self, ctx: _Ctx, params: JSONDict) -> JSONDict:
        filename = _opt_str(params, "filename")
        length = _opt_int(params, "length")
        if filename is None or length is None or length < 0:
            raise SlackError("invalid_arguments")
        file_id = self._new_id("F")
        self._files[file_id] = _File(file_id, ctx.team.id, filename, length, _opt_str(params, "alt_txt"))
        return {"upload_url": f"{self._server.origin}/upload/v1/{file_id}", "file_id": file_id}

    def _files_complete_upload(self, ctx: _Ctx, params: JSONDict) -> JSONDict:
        entries = params.get("files")
        if not isinstance(entries, list) or not entries:
            raise SlackError("invalid_arguments")
        files: list[_File] = []
        for entry in entries:
            f = self._files.get(str(entry.get("id"))) if isinstance(entry, dict) else None
            if f is None or f.team_id != ctx.team.id or f.content is None:
                raise SlackError("file_not_found")
            files.append(f)
        channel_ids = [c for c in (_opt_str(params, "channels") or "").split(",") if c]
        single = _opt_str(params, "channel_id")
        if single is not None:
            channel_ids.insert(0, single)
        channels = [self._postable_channel(ctx, c) for c in channel_ids]
        thread_ts = _opt_str(params, "thread_ts")
        initial_comment = _opt_str(params, "initial_comment")
        for f, entry in zip(files, entries, strict=True):
            f.title = entry.get("title") or f.title or f.filename
            f.completed = True
            f.channel_ids = [c.id for c in channels]
            f.initial_comment = initial_comment
            f.thread_ts = thread_ts
        file_json = [
            {
                "id": f.id,
                "title": f.title,
                "name": f.filename,
                "size": len(f.content or b""),
                "user": ctx.team.bot_user_id,
            }
            for f in files
        ]
        for ch in channels:
            # Sharing posts a message carrying the files (real Slack does this asynchronously).
            msg = self._bot_message(ctx, self._new_ts())
            msg.update(text=initial_comment or "", files=copy.deepcopy(file_json), upload=True)
            if thread_ts is not None and thread_ts in ch.messages:
                msg["thread_ts"] = self._thread_root(ch, thread_ts)
            ch.messages[msg["ts"]] = msg
        return {"files": [{"id": f["id"], "title": f["title"]} for f in file_json]}
