"""full-text search over decisions: FTS5 on SQLite, tsvector + GIN on PostgreSQL

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Weighted so that the decision itself ranks above its why, alternatives and tags.
PG_SEARCH = """
    setweight(to_tsvector('english', coalesce(text, '')), 'A') ||
    setweight(to_tsvector('english', coalesce(why, '')), 'B') ||
    setweight(to_tsvector('english', coalesce(alternatives, '')), 'C') ||
    setweight(to_tsvector('english', replace(coalesce(tags, ''), ',', ' ')), 'B')
"""

FTS_COLUMNS = "text, why, alternatives, tags"
SQLITE_STATEMENTS = [
    # An external-content index: the text lives once, in decisions; triggers keep the index in step.
    f"CREATE VIRTUAL TABLE decisions_fts USING fts5({FTS_COLUMNS}, content='decisions', content_rowid='id', "
    "tokenize='porter unicode61')",
    f"""CREATE TRIGGER decisions_fts_insert AFTER INSERT ON decisions BEGIN
        INSERT INTO decisions_fts(rowid, {FTS_COLUMNS}) VALUES (new.id, new.text, new.why, new.alternatives, new.tags);
    END""",
    f"""CREATE TRIGGER decisions_fts_delete AFTER DELETE ON decisions BEGIN
        INSERT INTO decisions_fts(decisions_fts, rowid, {FTS_COLUMNS})
        VALUES ('delete', old.id, old.text, old.why, old.alternatives, old.tags);
    END""",
    f"""CREATE TRIGGER decisions_fts_update AFTER UPDATE OF {FTS_COLUMNS} ON decisions BEGIN
        INSERT INTO decisions_fts(decisions_fts, rowid, {FTS_COLUMNS})
        VALUES ('delete', old.id, old.text, old.why, old.alternatives, old.tags);
        INSERT INTO decisions_fts(rowid, {FTS_COLUMNS}) VALUES (new.id, new.text, new.why, new.alternatives, new.tags);
    END""",
    "INSERT INTO decisions_fts(decisions_fts) VALUES ('rebuild')",
]


def upgrade() -> None:
    op.create_index("ix_decisions_author_created", "decisions", ["team_id", "author_id", "created_at"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"ALTER TABLE decisions ADD COLUMN search tsvector GENERATED ALWAYS AS ({PG_SEARCH}) STORED")
        op.execute("CREATE INDEX ix_decisions_search ON decisions USING gin (search)")
        return
    for statement in SQLITE_STATEMENTS:
        op.execute(statement)


def downgrade() -> None:
    op.drop_index("ix_decisions_author_created", table_name="decisions")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX ix_decisions_search")
        op.execute("ALTER TABLE decisions DROP COLUMN search")
        return
    for trigger in ("insert", "delete", "update"):
        op.execute(f"DROP TRIGGER decisions_fts_{trigger}")
    op.execute("DROP TABLE decisions_fts")
