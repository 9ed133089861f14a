"""The web pages of an OAuth install: Add to Slack, installed, and what went wrong, in plain words.

Self-contained HTML (no images, scripts or fonts from elsewhere), so the page works behind any
firewall and tells no third party who opened it.
"""

from __future__ import annotations

from html import escape

_STYLE = """
body { font-family: system-ui, sans-serif; max-width: 34rem; margin: 4rem auto; padding: 0 1rem; color: #1d1c1d; }
h1 { font-size: 1.5rem; }
a.add { display: inline-block; padding: .7rem 1.2rem; border-radius: .4rem; background: #4a154b; color: #fff;
        text-decoration: none; font-weight: 600; }
p.small { color: #616061; font-size: .9rem; }
"""

# Why the redirect failed (Bolt's reasons, and Slack's `error` parameter), for the person installing.
FAILURE_REASONS = {
    "access_denied": "You cancelled the install in Slack, so nothing was installed.",
    "invalid_browser": (
        "This install was started in another browser (or its cookie expired), so it cannot be finished here."
    ),
    "invalid_state": "This install link has expired or was already used.",
    "missing_code": "Slack did not send an authorization code back.",
    "invalid_code": "Slack did not accept the authorization code (it may have expired or been used already).",
    "storage_error": "Handoff could not save the installation.",
}


def _page(title: str, body: str) -> str:
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<link rel="icon" href="data:,"><title>{escape(title)}</title><style>{_STYLE}</style></head>'
        f"<body>{body}</body></html>"
    )


def install_page(authorize_url: str) -> str:
    """The Add to Slack page: what Handoff does, and one link to Slack's consent screen."""
    return _page(
        "Add Handoff to Slack",
        "<h1>Add Handoff to your Slack workspace</h1>"
        "<p>Handoff keeps a decision log, holds pings until each person's working hours and greets everyone with "
        "one calm catch-up at the start of their day.</p>"
        f'<p><a class="add" id="add-to-slack" href="{escape(authorize_url)}">Add to Slack</a></p>'
        '<p class="small">Slack shows what Handoff asks for before anything is installed. Handoff reads only the '
        "channels it is added to.</p>",
    )


def installed_page(*, team_name: str | None, app_url: str) -> str:
    """Shown after a successful install."""
    where = escape(team_name) if team_name else "your workspace"
    return _page(
        "Handoff is installed",
        f"<h1>Handoff is installed in {where}</h1>"
        f'<p><a href="{escape(app_url)}">Open Handoff in Slack</a> and type <code>/handoff help</code>. '
        "Invite it to the channels it should follow with <code>/invite @Handoff</code>.</p>",
    )


def failure_page(*, reason: str, install_path: str) -> str:
    """Shown when the install could not be finished, with the way to start again."""
    explanation = FAILURE_REASONS.get(reason, "The install could not be finished.")
    return _page(
        "Handoff was not installed",
        "<h1>Handoff was not installed</h1>"
        f"<p>{escape(explanation)}</p>"
        f'<p><a href="{escape(install_path)}">Start again from the Add to Slack page</a>.</p>'
        f'<p class="small">Reason: <code>{escape(reason)}</code></p>',
    )
