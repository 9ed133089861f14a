"""The pictures in the README, drawn from the demo's own Block Kit: `python -m demo.pictures docs/images`.

Each message Handoff posted in the demo is rendered to HTML in Slack's look (its mrkdwn read by the
same code as the terminal demo, `demo.mrkdwn`), then screenshotted by headless Chromium (Debian's
chromium and chromium-driver, which the install-flow test uses too). The pictures are regenerated
from what Handoff really sends, never drawn by hand.
"""

from __future__ import annotations

import html
import sys
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.text import Text

from demo.desk import Posted
from demo.mrkdwn import to_text, wall_clock
from demo.world import PEOPLE, display_names

CATCHUP_PICTURE = "catchup.png"
DECISION_PICTURE = "decision.png"
WIDTH_PX = 760

STYLE = """
body { margin: 0; background: #fff; font: 15px/1.47 "Lato", "Helvetica Neue", Arial, sans-serif; color: #1d1c1d; }
#shot { width: %(width)dpx; padding: 16px 20px; box-sizing: border-box; }
.message { display: flex; gap: 10px; margin-bottom: 12px; }
.avatar { width: 36px; height: 36px; border-radius: 6px; flex: none; background: #2c4a6e; color: #fff;
  font-weight: 900; display: flex; align-items: center; justify-content: center; }
.avatar.person { background: #e8912d; }
.who b { font-weight: 900; } .badge { font-size: 10px; background: #e8e8e8; color: #616061; padding: 1px 3px;
  border-radius: 2px; margin-left: 4px; vertical-align: 1px; }
.time { color: #616061; font-size: 12px; margin-left: 6px; }
.reaction { display: inline-block; margin-top: 4px; border: 1px solid #1d9bd1; background: #e8f5fa;
  border-radius: 12px; padding: 0 8px; font-size: 12px; color: #1264a3; }
.header { font-weight: 900; font-size: 18px; margin: 4px 0; }
.context { color: #616061; font-size: 13px; margin: 4px 0; }
.section { margin: 4px 0; white-space: pre-wrap; }
hr { border: none; border-top: 1px solid #e8e8e8; margin: 10px 0; }
.actions { display: flex; flex-wrap: wrap; gap: 8px; margin: 8px 0; }
.button { border: 1px solid #bbbabb; border-radius: 4px; padding: 3px 12px; font-weight: 700; font-size: 13px; }
.mention { color: #1264a3; background: #e8f5fa; border-radius: 3px; padding: 0 2px; }
a { color: #1264a3; text-decoration: none; }
code { color: #e01e5a; background: #f6f6f6; border: 1px solid #e8e8e8; border-radius: 3px; padding: 0 3px; }
blockquote { margin: 4px 0; border-left: 4px solid #ddd; padding-left: 10px; }
.thread { margin-left: 46px; border-left: 2px solid #e8e8e8; padding-left: 12px; }
"""


def mrkdwn_html(raw: str, *, names: Mapping[str, str], tz: str | None) -> str:
    """Slack mrkdwn as HTML, through the terminal demo's reading of it (names, dates, emphasis, links)."""
    lines = raw.split("\n")
    shown: list[str] = []
    for line in lines:
        quoted = line.startswith(">")
        body = _styled(to_text(line[1:] if quoted else line, names=names, tz=tz))
        shown.append(f"<blockquote>{body}</blockquote>" if quoted else body)
    return "\n".join(shown).replace("</blockquote>\n", "</blockquote>")


def _styled(text: Text) -> str:
    out: list[str] = []
    console = Console(width=10_000, color_system=None)
    for segment in text.render(console):
        part, style = html.escape(segment.text), segment.style
        if style is None or not part:
            out.append(part)
            continue
        if style.link:
            part = f'<a href="{html.escape(style.link)}">{part}</a>'
        if style.color is not None and style.color.name == "cyan":
            part = f'<span class="mention">{part}</span>'
        if style.color is not None and style.color.name == "magenta":
            part = f"<code>{part}</code>"
        if style.bold:
            part = f"<b>{part}</b>"
        if style.italic:
            part = f"<i>{part}</i>"
        if style.strike:
            part = f"<s>{part}</s>"
        out.append(part)
    return "".join(out)


def blocks_html(blocks: Sequence[Mapping[str, Any]], *, names: Mapping[str, str], tz: str | None) -> str:
    """Block Kit blocks (header, section with fields, context, divider, actions) as HTML."""
    parts: list[str] = []
    for block in blocks:
        kind = block.get("type")
        if kind == "header":
            parts.append(f'<div class="header">{html.escape(str(block["text"]["text"]))}</div>')
        elif kind == "section":
            texts = [block.get("text") or {}, *(block.get("fields") or [])]
            body = "<br>".join(_element(text, names=names, tz=tz) for text in texts if text.get("text"))
            parts.append(f'<div class="section">{body}</div>')
        elif kind == "context":
            body = " &nbsp; ".join(_element(e, names=names, tz=tz) for e in block.get("elements") or [])
            parts.append(f'<div class="context">{body}</div>')
        elif kind == "divider":
            parts.append("<hr>")
        elif kind == "actions":
            buttons = "".join(
                f'<span class="button">{html.escape(str(e["text"]["text"]))}</span>'
                for e in block.get("elements") or []
                if e.get("type") == "button"
            )
            parts.append(f'<div class="actions">{buttons}</div>')
    return "".join(parts)


def _element(element: Mapping[str, Any], *, names: Mapping[str, str], tz: str | None) -> str:
    raw = str(element.get("text") or "")
    if element.get("type") == "plain_text":
        return html.escape(raw)
    return mrkdwn_html(raw, names=names, tz=tz)


def message_html(
    posted: Posted,
    *,
    names: Mapping[str, str],
    tz: str,
    author: str = "Handoff",
    app: bool = True,
    reaction: str | None = None,
) -> str:
    """One message as Slack lists it: avatar, name (with the APP badge), the reader's time, its blocks."""
    badge = '<span class="badge">APP</span>' if app else ""
    if posted.blocks:
        body = blocks_html(posted.blocks, names=names, tz=tz)
    else:
        body = mrkdwn_html(posted.text, names=names, tz=tz)
    if reaction:
        body += f'<div><span class="reaction">{mrkdwn_html(reaction, names=names, tz=tz)} 1</span></div>'
    return (
        f'<div class="message"><div class="avatar{"" if app else " person"}">{html.escape(author[0])}</div>'
        f'<div><div class="who"><b>{html.escape(author)}</b>{badge}'
        f'<span class="time">{wall_clock(posted.at, tz)}</span></div>{body}</div></div>'
    )


def page(inner: str) -> str:
    """A page holding one picture's messages in the element #shot."""
    return (
        f'<!doctype html><meta charset="utf-8"><style>{STYLE % {"width": WIDTH_PX}}</style><div id="shot">{inner}</div>'
    )


def pages() -> dict[str, str]:
    """Each picture's page: a morning catch-up DM, and a decision confirmed in its thread."""
    from demo.run import run_demo

    names = display_names()
    with tempfile.TemporaryDirectory() as scratch:
        result = run_demo(Path(scratch) / "pictures.db")
    catchup = max(result.catchups, key=lambda shown: len(shown.message.blocks))
    decision = next(p for p in result.posted if (p.metadata or {}).get("event_type") == "handoff_decision")
    # Both messages on the clock of the person who filed the decision.
    filer = next(person for person in PEOPLE if person.user_id in str(decision.blocks[0]))
    said = _said(decision, names, tz=filer.tz)
    thread = message_html(decision, names=names, tz=filer.tz)
    return {
        CATCHUP_PICTURE: page(message_html(catchup.message, names=names, tz=catchup.person.tz)),
        DECISION_PICTURE: page(f'{said}<div class="thread">{thread}</div>'),
    }


def _said(decision: Posted, names: Mapping[str, str], *, tz: str) -> str:
    """The message the decision was filed from, as its author posted it, with the :memo: that filed it."""
    quoted = str(decision.blocks[0]["text"]["text"]).split("\n>", 1)[1]
    speaker = next((p for p in PEOPLE if f"Said by <@{p.user_id}>" in str(decision.blocks)), PEOPLE[0])
    posted = Posted(channel=decision.channel, ts=decision.thread_ts or decision.ts, text=quoted)
    return message_html(posted, names=names, tz=tz, author=speaker.real_name, app=False, reaction=":memo:")


def screenshot(pages_by_name: Mapping[str, str], directory: Path) -> list[Path]:
    """Each page screenshotted by headless Chromium into `directory`, cropped to its messages."""
    import shutil

    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By

    chromium, driver_path = shutil.which("chromium"), shutil.which("chromedriver")
    if chromium is None or driver_path is None:
        raise SystemExit("needs chromium and chromedriver (Debian: apt install chromium chromium-driver)")
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    with tempfile.TemporaryDirectory() as profile:
        for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                         "--hide-scrollbars", "--force-device-scale-factor=2", "--window-size=900,2000",
                         f"--user-data-dir={profile}"):  # fmt: skip
            options.add_argument(argument)
        browser = webdriver.Chrome(service=Service(executable_path=driver_path), options=options)
        written: list[Path] = []
        try:
            directory.mkdir(parents=True, exist_ok=True)
            for name, document in pages_by_name.items():
                source = Path(profile) / f"{name}.html"
                source.write_text(document, encoding="utf-8")
                browser.get(source.as_uri())
                target = directory / name
                browser.find_element(By.ID, "shot").screenshot(str(target))
                written.append(target)
        finally:
            browser.quit()
    return written


def main(argv: Sequence[str] | None = None) -> int:
    """Write the pictures (and their HTML, for review) into the directory given, default docs/images."""
    directory = Path((argv if argv is not None else sys.argv[1:])[0] if (argv or sys.argv[1:]) else "docs/images")
    for path in screenshot(pages(), directory):
        print(f"wrote {path}")  # noqa: T201
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
