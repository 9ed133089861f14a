"""OAuth mode: the Add to Slack page, the redirect, and Bolt's authorize on Handoff's installation store.

Active when SLACK_CLIENT_ID and SLACK_CLIENT_SECRET are set. Bolt gets everything explicitly, so
that none of its defaults applies: its default stores write files, and its default clients talk
to slack.com whatever SLACK_API_URL says.
"""

from __future__ import annotations

import logging
import math
from collections import OrderedDict
from collections.abc import Callable
from urllib.parse import urljoin

from slack_bolt import BoltRequest, BoltResponse
from slack_bolt.authorization import AuthorizeResult
from slack_bolt.authorization.authorize import InstallationStoreAuthorize
from slack_bolt.oauth.callback_options import CallbackOptions, FailureArgs, SuccessArgs
from slack_bolt.oauth.oauth_flow import OAuthFlow
from slack_bolt.oauth.oauth_settings import OAuthSettings
from slack_sdk import WebClient
from slack_sdk.oauth.installation_store import Installation

from bot.clock import Clock
from bot.install_pages import failure_page, install_page, installed_page
from store.installations import HandoffInstallationStore
from store.oauth_states import HandoffOAuthStateStore

logger = logging.getLogger(__name__)

INSTALL_PATH = "/slack/install"
REDIRECT_PATH = "/slack/oauth_redirect"
# The bot scopes Handoff asks for; tests/test_manifest.py checks that manifest.yml asks for the same.
BOT_SCOPES = (
    "channels:history",
    "groups:history",
    "im:history",
    "channels:read",
    "groups:read",
    "im:read",
    "reactions:read",
    "users:read",
    "chat:write",
    "im:write",
    "files:write",
    "commands",
)
# auth.test answers cached per token; a rotated token is a new key, so old ones fall out in time.
AUTHORIZE_CACHE_SIZE = 10_000


def authorization_url(api_url: str) -> str:
    """Slack's consent screen, beside its Web API: https://slack.com/api/ gives https://slack.com/oauth/v2/authorize."""
    return urljoin(api_url, "../oauth/v2/authorize")


class _BoundedCache(OrderedDict[str, AuthorizeResult]):
    """A dict that forgets its oldest entries past a size."""

    def __init__(self, size: int) -> None:
        super().__init__()
        self.size = size

    def __setitem__(self, key: str, value: AuthorizeResult) -> None:
        super().__setitem__(key, value)
        while len(self) > self.size:
            self.popitem(last=False)


class HandoffAuthorize(InstallationStoreAuthorize):
    """Bolt's authorize on the installation store: auth.test cached per token, and no rotation inside a request.

    Refresh tokens are redeemed by the tick alone (`bot.token_rotation`), under a claim and about three
    hours before they expire, so two replicas never redeem the same one. Bolt would otherwise redeem
    it in whichever request comes within two hours of expiry, in every replica at once.
    """

    def __init__(
        self, *, store: HandoffInstallationStore, client: WebClient, client_id: str, client_secret: str
    ) -> None:
        super().__init__(
            logger=logging.getLogger("slack_bolt"),
            installation_store=store,
            client_id=client_id,
            client_secret=client_secret,
            cache_enabled=True,
            client=client,
        )
        self.authorize_result_cache = _BoundedCache(AUTHORIZE_CACHE_SIZE)

    def _rotate_and_save_tokens_if_necessary(self, installation: Installation | None) -> Installation | None:
        return None


class HandoffOAuthFlow(OAuthFlow):
    """Bolt's OAuth flow with Handoff's pages, its clock, and a hook once an installation is stored."""

    def __init__(
        self,
        *,
        client: WebClient,
        settings: OAuthSettings,
        clock: Clock,
        on_installed: Callable[[Installation], None],
    ) -> None:
        super().__init__(client=client, logger=logging.getLogger("slack_bolt"), settings=settings)
        self.clock = clock
        self.on_installed = on_installed

    def build_install_page_html(self, url: str, request: BoltRequest) -> str:
        return install_page(url)

    def run_installation(self, code: str) -> Installation | None:
        installation = super().run_installation(code)
        if installation is None:
            return None
        # slack-sdk stamps the install and the token's expiry with the wall clock; Handoff's clock
        # decides when the tick refreshes the token, so both are taken on it. The expiry was
        # computed as int(time()) + expires_in just before installed_at, hence the ceiling.
        now = self.clock.now().timestamp()
        if installation.bot_token_expires_at is not None:
            lifetime = math.ceil(installation.bot_token_expires_at - installation.installed_at)
            installation.bot_token_expires_at = int(now) + lifetime
        installation.installed_at = now
        return installation

    def store_installation(self, request: BoltRequest, installation: Installation) -> None:
        super().store_installation(request, installation)
        self.on_installed(installation)


def build_oauth_flow(
    *,
    client_id: str,
    client_secret: str,
    api_url: str,
    client: WebClient,
    store: HandoffInstallationStore,
    state_store: HandoffOAuthStateStore,
    clock: Clock,
    on_installed: Callable[[Installation], None],
) -> HandoffOAuthFlow:
    """The install flow: /slack/install and /slack/oauth_redirect, on Handoff's stores and SLACK_API_URL."""
    settings = OAuthSettings(
        client_id=client_id,
        client_secret=client_secret,
        scopes=list(BOT_SCOPES),
        # Handoff acts as its bot only; explicit, or Bolt would read SLACK_USER_SCOPES from the environment.
        user_scopes=[],
        install_path=INSTALL_PATH,
        redirect_uri_path=REDIRECT_PATH,
        authorization_url=authorization_url(api_url),
        installation_store=store,
        state_store=state_store,
        state_expiration_seconds=state_store.expiration_seconds,
        logger=logging.getLogger("slack_bolt"),
    )
    state_utils = settings.state_utils

    def success(args: SuccessArgs) -> BoltResponse:
        installation = args.installation
        app_url = (
            f"slack://app?team={installation.team_id}&id={installation.app_id}"
            if installation.team_id and installation.app_id
            else "slack://open"
        )
        logger.info(
            "installed in workspace %s (org %s) by %s",
            installation.team_id,
            installation.enterprise_id,
            installation.user_id,
        )
        return BoltResponse(
            status=200,
            headers={
                "Content-Type": "text/html; charset=utf-8",
                "Set-Cookie": state_utils.build_set_cookie_for_deletion(),
            },
            body=installed_page(team_name=installation.team_name or installation.enterprise_name, app_url=app_url),
        )

    def failure(args: FailureArgs) -> BoltResponse:
        logger.warning("an install did not finish: %s", args.reason)
        return BoltResponse(
            status=args.suggested_status_code,
            headers={
                "Content-Type": "text/html; charset=utf-8",
                "Set-Cookie": state_utils.build_set_cookie_for_deletion(),
            },
            body=failure_page(reason=args.reason, install_path=INSTALL_PATH),
        )

    settings.callback_options = CallbackOptions(success=success, failure=failure)
    return HandoffOAuthFlow(client=client, settings=settings, clock=clock, on_installed=on_installed)
