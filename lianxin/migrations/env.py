from alembic import context

from lianxin import models  # noqa: F401  (fills Base.metadata)
from lianxin.config import get_settings
from lianxin.db import Base, make_engine

config = context.config
settings = config.attributes.get("settings") or get_settings()
connection = config.attributes.get("connection")


def run(conn) -> None:
    context.configure(
        connection=conn,
        target_metadata=Base.metadata,
        render_as_batch=True,
        compare_type=True,
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
