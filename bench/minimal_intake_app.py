"""The stack's limit for ``bench/http_intake.py``: the same server (uvicorn), framework (FastAPI, a plain
``def`` handler in the thread pool), engine and driver (``lianxin.db.make_engine(serving=True)``) and
database as Lianxin, doing one INSERT of an appeal-shaped row and one COMMIT per request — nothing else.

    LIANXIN_DATABASE_URL=... uvicorn minimal_intake_app:app --app-dir bench

The table (``bench_limit``) is created by the bench before the server starts.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime

from fastapi import Body, FastAPI
from sqlalchemy import Column, DateTime, Integer, MetaData, String, Table, Text, insert

from lianxin.config import Settings
from lianxin.db import make_engine

LIMIT = Table(
    "bench_limit",
    MetaData(),
    Column("id", Integer, primary_key=True),
    Column("order_no", String(32), nullable=False, unique=True),
    Column("status", String(32), nullable=False),
    Column("content", Text, nullable=False),
    Column("address", String(300)),
    Column("appellant_phone", String(32)),
    Column("received_at", DateTime(timezone=True), nullable=False),
)

app = FastAPI()
engine = None


@app.get("/healthz")
def healthz() -> dict:
    return {"ok": True}


@app.post("/limit", status_code=201)
def create(payload: dict = Body(...)) -> dict:
    global engine
    if engine is None:
        engine = make_engine(Settings(), serving=True)
    with engine.begin() as conn:
        new_id = conn.execute(
            insert(LIMIT)
            .values(
                order_no=secrets.token_hex(8),
                status="received",
                content=str(payload.get("content", "")),
                address=payload.get("address"),
                appellant_phone=payload.get("appellant_phone"),
                received_at=datetime.now(UTC),
            )
            .returning(LIMIT.c.id)
        ).scalar_one()
    return {"id": new_id}
