"""Imported decisions get their permalinks once Handoff learns the workspace's URL."""

from __future__ import annotations

from pathlib import Path

from bot.deps import Deps
from digest.delivery import compose_many
from store import decisions
from tests.conftest import START
from tests.slack_export.acme import P1, R2, TRUNK, acme
from tests.slack_export.conftest import Importer
from tests.support import TEAM_ID


def test_imported_decisions_are_linked_when_the_first_catch_up_learns_the_workspace_url(
    tmp_path: Path, run_import: Importer, deps: Deps
) -> None:
    run_import(acme().zip(tmp_path / "acme.zip"))
    with deps.session_factory() as session:
        assert decisions.without_permalink(session=session, team_id=TEAM_ID) != []

    # The first catch-up round of the workspace asks Slack for its URL (auth.test), once.
    compose_many(deps, TEAM_ID, [], START)

    with deps.session_factory() as session:
        assert decisions.without_permalink(session=session, team_id=TEAM_ID) == []
        ship = decisions.for_message(session=session, team_id=TEAM_ID, channel_id="C1", ts=R2)
        trunk = decisions.for_message(session=session, team_id=TEAM_ID, channel_id="C2", ts=TRUNK)
    assert ship is not None and trunk is not None
    assert ship.permalink is not None and ship.permalink.endswith(
        f"/archives/C1/p{R2.replace('.', '')}?thread_ts={P1}&cid=C1"
    )
    assert trunk.permalink is not None and trunk.permalink.endswith(f"/archives/C2/p{TRUNK.replace('.', '')}")
    assert ship.permalink.startswith("https://")
