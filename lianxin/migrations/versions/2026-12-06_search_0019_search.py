"""search: trigram indexes (pg_trgm, GIN) on the appeal's title, letter, address and caller's phone, so that a
search by words or by a phone's last digits is an index lookup on PostgreSQL (lianxin.appeals.search).

PostgreSQL only, and only where pg_trgm can be installed: elsewhere the lists keep scanning. SQLite: nothing.

Revision ID: 0019_search
Revises: 0018
Create Date: 2026-12-06
"""

from alembic import op
from sqlalchemy import text

from lianxin.appeals.models import TRIGRAM_COLUMNS
from lianxin.appeals.search import install_trigrams

revision = "0019_search"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    conn = op.get_bind()
    if not install_trigrams(conn):
        return
    conn.execute(text("SET LOCAL maintenance_work_mem = '256MB'"))
    for column in TRIGRAM_COLUMNS:
        op.create_index(
            f"ix_appeals_{column}_trgm",
            "appeals",
            [column],
            postgresql_using="gin",
            postgresql_ops={column: "gin_trgm_ops"},
            if_not_exists=True,  # built beforehand with CREATE INDEX CONCURRENTLY on a large table (docs/deploy.md)
        )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for column in TRIGRAM_COLUMNS:
        op.execute(f"DROP INDEX IF EXISTS ix_appeals_{column}_trgm")
