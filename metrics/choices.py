"""What can be chosen about team metrics: the workspace's group size (admins), and one's own weekly report."""

from __future__ import annotations

from bot.deps import Deps
from metrics import report
from metrics.scopes import DEFAULT_MIN_GROUP, LOWEST_MIN_GROUP
from store import report_prefs, workspace_settings

# A group size beyond this would hide every channel of any real team: surely a typo.
HIGHEST_MIN_GROUP = 1_000
GROUP_USAGE = (
    f"`/handoff stats group-size 6` sets the smallest group whose figures are shown ({LOWEST_MIN_GROUP} or more); "
    f"`/handoff stats group-size default` goes back to {DEFAULT_MIN_GROUP}. Workspace admins and owners change it."
)


def describe_group_size(deps: Deps, *, team_id: str) -> str:
    """The group size as it applies now, and how to change it."""
    with deps.read_session_factory() as session:
        size = report.min_group(session=session, team_id=team_id)
    return f"Team figures are shown for groups of at least *{size}* people. {GROUP_USAGE}"


def parse_group_size(raw: str) -> int | None:
    """`6` or `default` (None); ValueError with what to type instead."""
    choice = raw.strip().lower()
    if choice == "default":
        return None
    if not choice.isdigit():
        raise ValueError(f"`{raw.strip()[:40]}` is not a number of people. {GROUP_USAGE}")
    size = int(choice)
    if size < LOWEST_MIN_GROUP:
        raise ValueError(
            f"Groups of fewer than {LOWEST_MIN_GROUP} people are never shown: a figure about two people is "
            f"nearly a figure about one. Pick {LOWEST_MIN_GROUP} or more."
        )
    if size > HIGHEST_MIN_GROUP:
        raise ValueError(f"{size:,} people would hide nearly every group. Pick a number up to {HIGHEST_MIN_GROUP:,}.")
    return size


def change_group_size(deps: Deps, *, team_id: str, actor_id: str, raw: str) -> str:
    """Set the workspace's group size (the caller checked the actor is an admin); the answer in words."""
    try:
        size = parse_group_size(raw)
    except ValueError as exc:
        return f"{exc} Nothing was changed."
    with deps.session_factory.begin() as session:
        workspace_settings.change(
            session=session, team_id=team_id, actor_id=actor_id, now=deps.clock.now(), stats_min_group=size
        )
    shown = size if size is not None else DEFAULT_MIN_GROUP
    return f"Done: team figures are shown for groups of at least {shown} people; smaller groups are not shown."


def weekly_report_choice(deps: Deps, *, team_id: str, user_id: str, on: bool | None, is_admin: bool) -> str:
    """Say whether one's weekly report comes, or turn it on or off."""
    if not is_admin:
        return (
            "The weekly team report goes to workspace admins and owners. "
            "`/handoff stats` shows you the same figures any time."
        )
    if on is None:
        with deps.read_session_factory() as session:
            wanted = report_prefs.wants_report(session=session, team_id=team_id, user_id=user_id)
        state = "comes each Monday at the start of your day" if wanted else "is off"
        return f"Your weekly team report {state}. `/handoff stats report off` or `on` changes that."
    with deps.session_factory.begin() as session:
        report_prefs.set_wanted(session=session, team_id=team_id, user_id=user_id, on=on, now=deps.clock.now())
    if on:
        return "Done: your weekly team report comes each Monday at the start of your day."
    return "Done: no more weekly team reports for you. `/handoff stats` still shows the figures any time."
