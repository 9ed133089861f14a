"""The README's pictures come from the demo's own Block Kit, rendered in Slack's look and screenshotted."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from demo.pictures import CATCHUP_PICTURE, DECISION_PICTURE, blocks_html, page, pages, screenshot

ROOT = Path(__file__).resolve().parents[2]


def test_the_pages_show_what_slack_shows_names_not_ids() -> None:
    drawn = pages()
    catchup, decision = drawn[CATCHUP_PICTURE], drawn[DECISION_PICTURE]
    assert "Your catch-up" in catchup and "Waiting on you" in catchup
    assert "Decision logged by" in decision and "Add the why" in decision and "\N{MEMO}" in decision
    for document in drawn.values():
        assert not re.search(r"<[@#!][A-Z]", document), "a Slack token was left unrendered"
        assert not re.search(r"\bU0\d[A-Z]+\b", document), "a user id is shown instead of a name"


def test_mrkdwn_becomes_html_and_text_stays_text() -> None:
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": "A <b>header</b>"}},
        {"type": "section", "text": {"type": "mrkdwn", "text": "*bold* _it_ `code` <@U1> <https://x.test|link>"}},
        {"type": "divider"},
    ]
    html = blocks_html(blocks, names={"U1": "Ana"}, tz="UTC")
    assert "A &lt;b&gt;header&lt;/b&gt;" in html
    assert "<b>bold</b>" in html and "<i>it</i>" in html and "<code>code</code>" in html
    assert '<span class="mention">@Ana</span>' in html and '<a href="https://x.test">link</a>' in html
    assert "<hr>" in html


def test_the_committed_pictures_exist() -> None:
    for name in (CATCHUP_PICTURE, DECISION_PICTURE):
        assert Image.open(ROOT / "docs" / "images" / name).format == "PNG"


def test_headless_chromium_screenshots_a_page(tmp_path: Path) -> None:
    if shutil.which("chromium") is None or shutil.which("chromedriver") is None:
        if any(os.environ.get(name) for name in ("CI", "HANDOFF_REQUIRE_BROWSER")):
            pytest.fail("CI must draw the pictures (apt-get install chromium chromium-driver)")
        pytest.skip("needs chromium and chromium-driver")
    [written] = screenshot({"one.png": page("<p>hello</p>")}, tmp_path)
    image = Image.open(written)
    assert image.format == "PNG" and image.width >= 760
