"""`handoff export decisions`: the same search and visibility rule as `/decisions`, to a file."""

from __future__ import annotations

from datetime import date

from bot.db import build_engine, build_read_session_factory
from bot.known_team import require_workspace
from bot.settings import ConfigError, Settings
from decisions.export import render
from decisions.finder import find_all
from decisions.query import QueryError, is_channel_id


def export_decisions(
    settings: Settings, *, team_id: str, channel: str | None, since: date | None, viewer_id: str, fmt: str
) -> tuple[str, int]:
    """The rendered export and how many decisions it holds."""
    filters = []
    if channel:
        # An id is passed as Slack writes a channel mention; a name as #name.
        filters.append(f"in:<#{channel}>" if is_channel_id(channel) else f"in:#{channel}")
    if since:
        filters.append(f"since:{since.isoformat()}")
    engine = build_engine(settings.database_url)
    try:
        with build_read_session_factory(engine)() as session:
            require_workspace(session=session, team_id=team_id)
            hits = find_all(session=session, team_id=team_id, viewer_id=viewer_id, raw=" ".join(filters))
    except QueryError as exc:
        raise ConfigError(f"--channel: {exc}") from None
    finally:
        engine.dispose()
    scope = f"as seen by {viewer_id}" if viewer_id else "public channels"
    return render(hits, fmt, title=f"Decision log of {team_id} ({scope})"), len(hits)
