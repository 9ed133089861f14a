"""A workspace whose token Slack refuses: its jobs wait unclaimed, and a reinstall or a working token resumes them."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from store import jobs, teams
from store.models import Job
from tests.conftest import START


def _claim(factory: sessionmaker[Session]) -> list[str]:
    with factory.begin() as session:
        rows = jobs.claim(
            session=session,
            kinds=["test"],
            now=START,
            owner="w",
            lease=timedelta(minutes=1),
            limit=10,
            reachable_only=True,
        )
        return sorted(str(row.team_id) for row in rows)


def _release_all(factory: sessionmaker[Session]) -> None:
    with factory.begin() as session:
        session.execute(update(Job).values(lease_owner=None, lease_until=None))


def test_a_paused_workspaces_jobs_are_left_and_resume_when_it_works_again(
    session_factory: sessionmaker[Session],
) -> None:
    with session_factory.begin() as session:
        for team in ("T1", "T2"):
            jobs.schedule(session=session, kind="test", team_id=team, key="k", due_at=START, now=START)
        assert teams.pause_sending(session=session, team_id="T1", error="token_revoked", now=START)
        assert not teams.pause_sending(session=session, team_id="T1", error="invalid_auth", now=START)
    assert _claim(session_factory) == ["T2"]
    with session_factory() as session:
        (paused,) = teams.paused(session=session)
        assert (paused.team_id, paused.token_error, paused.token_error_at) == ("T1", "token_revoked", START)
    _release_all(session_factory)
    with session_factory.begin() as session:
        assert teams.resume_sending(session=session, team_id="T1")
        assert not teams.resume_sending(session=session, team_id="T1")
    assert _claim(session_factory) == ["T1", "T2"]


def test_installing_again_resumes_a_paused_workspace(session_factory: sessionmaker[Session]) -> None:
    with session_factory.begin() as session:
        teams.pause_sending(session=session, team_id="T1", error="invalid_auth", now=START)
    with session_factory.begin() as session:
        teams.mark_installed(session=session, team_id="T1", enterprise_id=None, name="Acme", now=START)
    with session_factory() as session:
        assert teams.paused(session=session) == []
