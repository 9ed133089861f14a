"""How integrations post (GitHub, PagerDuty, a shared message): their content in attachments or blocks."""

from __future__ import annotations

PULL_REQUEST = [
    {
        "fallback": "[acme/api] Pull request opened: #42 Move the store to Postgres",
        "pretext": "Pull request opened by dana",
        "title": "#42 Move the store to Postgres",
        "text": "Going with Postgres for the multi-region rollout.",
    }
]
INCIDENT = [
    {"type": "header", "text": {"type": "plain_text", "text": "Incident 1234: API latency above 2s"}},
    {"type": "section", "text": {"type": "mrkdwn", "text": "Rolled back the cache change; decided to freeze deploys"}},
]
# Someone shares a message into the channel without a word of their own: its text is the attachment's.
SHARED = [
    {
        "is_msg_unfurl": True,
        "is_share": True,
        "fallback": "[March 2nd] ravi: Freeze deploys until the latency incident is closed",
        "text": "Freeze deploys until the latency incident is closed",
        "author_name": "ravi",
    }
]
PULL_REQUEST_TEXT = (
    "Pull request opened by dana\n#42 Move the store to Postgres\nGoing with Postgres for the multi-region rollout."
)
INCIDENT_TEXT = "Incident 1234: API latency above 2s\nRolled back the cache change; decided to freeze deploys"
