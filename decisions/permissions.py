"""Who may change a decision: the one editing policy, for every button and modal that changes one.

The person who logged it, the person whose message it is, its owner, and the workspace's admins
and owners may edit it (*Edit…*, *Add the why*), retract it (*Undo*), link it as replacing an
earlier one (*Supersede…*) and replace it with a newer one. Anyone else who may see the decision
can read it, show its thread and file a new decision, and is told, calmly, who can make the change.
Seeing comes first: nobody may change what they may not see (`store.visibility`).
"""

from __future__ import annotations

from collections.abc import Callable

from store.models import Decision

POLICY = (
    "A decision can be changed (edited, given its why, undone or replaced) by the person who logged it, "
    "the person who said it, its owner, and workspace admins."
)


def may_change(decision: Decision, user_id: str, *, is_admin: Callable[[], bool]) -> bool:
    """Whether `user_id` may change the decision; `is_admin` is asked (of Slack) only when it matters."""
    return user_id in {decision.logged_by, decision.author_id, decision.owner_id} or is_admin()


def who_can(decision: Decision) -> str:
    """The calm answer to someone who may not change it: who can, and what they can do instead."""
    people = [f"<@{decision.logged_by}>, who logged it,"]
    if decision.author_id and decision.author_id != decision.logged_by:
        people.append(f"<@{decision.author_id}>, who said it,")
    if decision.owner_id and decision.owner_id not in {decision.logged_by, decision.author_id}:
        people.append(f"<@{decision.owner_id}>, its owner,")
    return (
        f"Only {' or '.join(people)} or a workspace admin can change this decision. "
        "Ask one of them, or file a new decision that says what changed."
    )
