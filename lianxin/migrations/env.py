from alembic import context

from lianxin import models  # noqa: F401  (fills Base.metadata)
from lianxin.appeals.search import TRIGRAM_INDEXES, trigram_ready
from lianxin.config import get_settings
from lianxin.db import Base, make_engine
from lianxin.partitions import DROPPED_FOREIGN_KEYS

config = context.config
settings = config.attributes.get("settings") or get_settings()
connection = config.attributes.get("connection")


def run(conn) -> None:
    trigrams: list[bool] = []  # asked when first needed: a query before the migrations would open their transaction

    def include_object(obj, name, type_, reflected, compare_to) -> bool:
        """The foreign keys to a partitioned table's id exist in the models but not on PostgreSQL (lianxin.partitions);
        an index for one dialect only (``Index.ddl_if``) is compared there alone, and the trigram indexes
        (lianxin.appeals.search) only where pg_trgm is installed."""
        if type_ == "foreign_key_constraint" and conn.dialect.name == "postgresql":
            return not (len(obj.column_keys) == 1 and (obj.parent.name, obj.column_keys[0]) in DROPPED_FOREIGN_KEYS)
        if type_ == "index" and not reflected:
            only = getattr(obj, "_ddl_if", None)
            if only is not None and only.dialect is not None and only.dialect != conn.dialect.name:
                return False
            if name in TRIGRAM_INDEXES and not trigrams:
                trigrams.append(trigram_ready(conn))
            return name not in TRIGRAM_INDEXES or trigrams[0]
        return True

    context.configure(
        connection=conn,
        target_metadata=Base.metadata,
        render_as_batch=True,
        compare_type=True,
        include_object=include_object,
    )
    with context.begin_transaction():
        context.run_migrations()


if connection is not None:
    run(connection)
else:
    engine = make_engine(settings)
    with engine.connect() as conn:
        run(conn)
    engine.dispose()
