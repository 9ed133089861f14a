"""The install flow in a real headless Chromium: Add to Slack, Allow on Slack's screen, installed.

Chromium and its driver come from Debian (`chromium`, `chromium-driver`; `.ci/run` installs them).
Where they are missing the test is skipped on a developer's machine, and fails in CI (CI or
HANDOFF_REQUIRE_BROWSER set), so a run that could not try the browser never passes for one that did.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from selenium import webdriver
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.wait import WebDriverWait
from sqlalchemy import select

from bot.clock import FixedClock
from store.models import SLACK_BOTS, SLACK_INSTALLATIONS
from tests.oauth import ACME, KEY, OAuthWorld, oauth_world

REQUIRE_ENV = ("CI", "HANDOFF_REQUIRE_BROWSER")
CHROMIUM_NAMES = ("chromium", "chromium-browser")
NAVIGATION_TIMEOUT = 30


def _missing(reason: str) -> None:
    if any(os.environ.get(name) for name in REQUIRE_ENV):
        pytest.fail(f"{reason}: CI must run the browser test (apt-get install chromium chromium-driver)")
    pytest.skip(f"{reason} (apt-get install chromium chromium-driver)")


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[webdriver.Chrome]:
    """Headless Chromium driven through Debian's chromedriver, with a profile of its own."""
    chromium = next((found for name in CHROMIUM_NAMES if (found := shutil.which(name))), None)
    driver_path = shutil.which("chromedriver")
    if chromium is None or driver_path is None:
        _missing("Chromium or chromedriver is not installed")
    assert chromium is not None and driver_path is not None
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for argument in (
        "--headless=new",
        # Root in a container: Chromium's sandbox needs user namespaces it may not have.
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--disable-gpu",
        "--window-size=1000,800",
        f"--user-data-dir={tmp_path / 'profile'}",
    ):
        options.add_argument(argument)
    try:
        driver = webdriver.Chrome(service=Service(executable_path=driver_path), options=options)
    except WebDriverException as exc:
        _missing(f"Chromium did not start: {exc.msg}")
        raise
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()


def arrive(browser: webdriver.Chrome, *, title: str) -> None:
    """Wait for the browser to finish the navigation a click started (a form post, a redirect) and land on `title`.

    Selenium's click returns once the click is dispatched, not when the next page has loaded.
    """
    WebDriverWait(browser, NAVIGATION_TIMEOUT).until(expected_conditions.title_is(title))


@pytest.fixture
def world(database_url: str, clock: FixedClock) -> Iterator[OAuthWorld]:
    with oauth_world(database_url, clock) as built:
        yield built


def test_a_workspace_admin_installs_handoff_in_a_real_browser(
    browser: webdriver.Chrome, world: OAuthWorld, tmp_path: Path
) -> None:
    world.fake.oauth.sign_in("U1")  # ann, signed in to the Acme workspace in this browser

    browser.get(f"{world.live.base_url}/slack/install")
    assert browser.title == "Add Handoff to Slack"
    add = browser.find_element(By.LINK_TEXT, "Add to Slack")
    assert str(add.get_attribute("href")).startswith(world.fake.url.removesuffix("/api/") + "/oauth/v2/authorize?")
    add.click()

    # Slack's consent screen (the fake's), for the workspace of the person signed in.
    arrive(browser, title="Handoff is requesting permission to access the Acme workspace")
    assert "chat:write" in browser.find_element(By.TAG_NAME, "body").text
    browser.find_element(By.ID, "allow").click()

    # Back at Handoff's redirect URL: installed.
    arrive(browser, title="Handoff is installed")
    assert browser.current_url.startswith(f"{world.live.base_url}/slack/oauth_redirect?code=")
    heading = browser.find_element(By.TAG_NAME, "h1").text
    browser.save_screenshot(str(tmp_path / "installed.png"))
    assert heading == "Handoff is installed in Acme"
    # The state cookie was used up.
    assert browser.get_cookie("slack-app-oauth-state") is None

    grant = world.fake.oauth.current_grant(ACME)
    assert grant is not None and grant.installer == "U1"
    with world.deps.read_session_factory() as session:
        installation = session.execute(select(SLACK_INSTALLATIONS)).mappings().one()
        [bot_token] = session.scalars(select(SLACK_BOTS.c.bot_token)).all()
    assert installation["team_id"] == ACME and installation["user_id"] == "U1"
    for sealed in (installation["bot_token"], installation["bot_refresh_token"], bot_token):
        assert "xox" not in sealed
    assert Fernet(KEY).decrypt(installation["bot_token"].encode()).decode() == grant.access_token
    assert Fernet(KEY).decrypt(installation["bot_refresh_token"].encode()).decode() == grant.refresh_token

    # Going back and replaying the redirect in the same browser installs nothing more.
    browser.get(browser.current_url)
    arrive(browser, title="Handoff was not installed")
    assert browser.find_element(By.TAG_NAME, "h1").text == "Handoff was not installed"
    with world.deps.read_session_factory() as session:
        assert len(session.execute(select(SLACK_INSTALLATIONS.c.id)).all()) == 1
