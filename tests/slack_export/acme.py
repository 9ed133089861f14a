"""A small but complete export of the Acme workspace, in the shapes Slack writes.

Three people in three zones, an app, a deleted account and Slackbot; #general (folder by name),
#eng (folder by channel id), the private #leads (groups.json), a DM and a group DM. Threads, an
edited message, bot and file-share messages, a tombstone, joins and leaves, a notice, and five
messages carrying :memo: (one of them before the 14-day traffic retention).
"""

from __future__ import annotations

from typing import Any

from tests.slack_export.exports import SlackExport, channel, message, reactions, ts_at, user

OLD_DAY, DAY1, DAY2 = "2025-12-01", "2026-02-26", "2026-02-27"

P1 = ts_at(DAY1, 9)  # "Should we ship the beta on Monday?"
R1 = ts_at(DAY1, 9, 5)
R2 = ts_at(DAY1, 9, 10)  # the decision in the thread
EDITED = ts_at(DAY1, 12)
P2 = ts_at(DAY2, 9)  # deleted parent (tombstone)
TRUNK = ts_at(DAY2, 14)
REORG = ts_at(DAY2, 15)
FREEZE = ts_at(OLD_DAY, 10)

SHIP = "Ship it Monday; Ann owns the release."
POSTGRES = "We use Postgres 16 for the new service"
TRUNK_TEXT = "Adopt trunk-based development"
REORG_TEXT = "Reorg in Q2"
FREEZE_TEXT = "Freeze deploys over the holidays"


def people() -> list[dict[str, Any]]:
    """users.json."""
    return [
        user("U1", "ann", "Europe/Berlin"),
        user("U2", "bo", "America/Los_Angeles"),
        user("U3", "cy", "Asia/Tokyo"),
        user("UB", "ci-bot", None, is_bot=True),
        user("U4", "gone", "Europe/Paris", deleted=True),
        user("USLACKBOT", "slackbot", None),
    ]


def general_day1() -> list[Any]:
    return [
        message(ts_at(DAY1, 8), "U3", "<@U3> has joined the channel", subtype="channel_join"),
        message(P1, "U1", "Should we ship the beta on Monday?", thread_ts=P1, reply_count=3, replies=[]),
        message(R1, "U2", "QA signed off yesterday.", thread_ts=P1, parent_user_id="U1"),
        message(
            R2,
            "U3",
            SHIP,
            thread_ts=P1,
            parent_user_id="U1",
            reactions=reactions(("memo", ["U1", "U2"]), ("+1", ["U2"])),
        ),
        message(ts_at(DAY1, 10), None, "Build 812 passed", subtype="bot_message", bot_id="B1", username="ci"),
        message(
            ts_at(DAY1, 11), "U2", "Here is the rollout plan", files=[{"id": "F1", "name": "plan.pdf"}], upload=True
        ),
        message(
            ts_at(DAY1, 11, 30),
            "U2",
            "<@U2> uploaded a file: <https://acme.slack.com/files/U2/F2/diagram.png|diagram.png>",
            subtype="file_share",
            file={"id": "F2", "name": "diagram.png"},
        ),
        message(
            EDITED,
            "U1",
            POSTGRES,
            edited={"user": "U1", "ts": ts_at(DAY1, 12, 30)},
            reactions=reactions(("memo", ["U2"])),
        ),
    ]


def general_day2() -> list[Any]:
    return [
        message(P2, "USLACKBOT", "This message was deleted.", subtype="tombstone", thread_ts=P2, hidden=True),
        message(ts_at(DAY2, 9, 5), "U2", "Replying to something now gone", thread_ts=P2, parent_user_id="U1"),
        message(ts_at(DAY2, 10), "U3", "waves at everyone", subtype="me_message"),
        message(ts_at(DAY2, 11), "U2", "Also sent to the channel", subtype="thread_broadcast", thread_ts=P1),
        {"type": "message", "subtype": "message_changed", "ts": ts_at(DAY2, 12), "message": {"text": "x"}},
        message(ts_at(DAY2, 18), "U3", "<@U3> has left the channel", subtype="channel_leave"),
    ]


def old_day() -> list[Any]:
    return [
        message(FREEZE, "U1", FREEZE_TEXT, thread_ts=FREEZE, reactions=reactions(("memo", ["U3"]))),
        message(ts_at(OLD_DAY, 10, 5), "U2", "Agreed, no deploys", thread_ts=FREEZE),
    ]


def acme() -> SlackExport:
    """The export."""
    return SlackExport(
        users=people(),
        channels=[
            channel("C1", "general", ["U1", "U2", "U3", "U4"]),
            channel("C2", "eng", ["U1", "U2"]),
        ],
        groups=[channel("G1", "leads", ["U1", "U3"], is_private=True)],
        dms=[{"id": "D1", "created": 1_600_000_000, "members": ["U1", "U2"]}],
        mpims=[{"id": "G9", "name": "mpdm-ann--bo--cy-1", "members": ["U1", "U2", "U3"]}],
        days={
            "general": {OLD_DAY: old_day(), DAY1: general_day1(), DAY2: general_day2()},
            # Some tools name a channel's folder after its id.
            "C2": {
                DAY2: [
                    message(
                        TRUNK,
                        "U2",
                        TRUNK_TEXT,
                        reactions=reactions(("white_check_mark", ["U3"]), ("memo", ["U1", "U2"])),
                    )
                ]
            },
            "leads": {DAY2: [message(REORG, "U3", REORG_TEXT, reactions=reactions(("memo", ["U1"])))]},
            "D1": {
                DAY2: [message(ts_at(DAY2, 8), "U1", "my password is hunter2", reactions=reactions(("memo", ["U2"])))]
            },
            "mpdm-ann--bo--cy-1": {
                DAY2: [message(ts_at(DAY2, 8), "U1", "lunch?", reactions=reactions(("memo", ["U2"])))]
            },
            "random": {DAY2: [message(ts_at(DAY2, 8), "U1", "a folder no channel list names")]},
        },
        extra={"general/canvas.txt": b"not a day file"},
    )
