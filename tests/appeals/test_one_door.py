"""One door: an appeal's fields change only inside ``lianxin/appeals/`` (its verbs). Jobs, return visits,
assessment exclusions, the ledger import, the demo and every module go through those verbs.

Two checks: one reads the source of every package outside ``appeals/`` for writes to an appeal (attribute
assignments, ``setattr``, ``update(Appeal)``, ``Appeal(...)``); the other listens to every attribute set on
an ``Appeal`` while the demo city is built and a day of jobs runs, and names any writer outside ``appeals/``.
"""

from __future__ import annotations

import ast
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import event, select
from sqlalchemy.orm import Session, sessionmaker

import lianxin.models  # noqa: F401  (every table, so OTHER_COLUMNS is complete)
from lianxin.appeals.models import Appeal
from lianxin.db import Base
from lianxin.demo import build_demo
from lianxin.jobs import run_jobs
from lianxin.orgs.models import Jurisdiction

ROOT = Path(__file__).resolve().parents[2] / "lianxin"
DOOR = ROOT / "appeals"
APPEAL_COLUMNS = set(Appeal.__mapper__.attrs.keys())
OTHER_COLUMNS = {c.name for t in Base.metadata.tables.values() if t is not Appeal.__table__ for c in t.columns}
ONLY_APPEAL = {
    c.name for c in Appeal.__table__.columns
} - OTHER_COLUMNS  # names no other table has: a write to one is a write to an appeal


def _names_an_appeal(node: ast.expr) -> bool:
    text = ast.unparse(node).lower()
    return "appeal" in text and "appeals_" not in text


def writes_outside_the_door() -> list[str]:
    found = []
    for path in sorted(ROOT.rglob("*.py")):
        if DOOR in path.parents or "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            where = f"{path.relative_to(ROOT.parent)}:{getattr(node, 'lineno', 0)}"
            targets = []
            if isinstance(node, ast.Assign):
                targets = node.targets
            elif isinstance(node, ast.AugAssign | ast.AnnAssign):
                targets = [node.target]
            for target in targets:
                for item in target.elts if isinstance(target, ast.Tuple) else [target]:
                    if isinstance(item, ast.Attribute) and item.attr in APPEAL_COLUMNS:
                        if item.attr in ONLY_APPEAL or _names_an_appeal(item.value):
                            found.append(f"{where} {ast.unparse(item)} =")
            if isinstance(node, ast.Call):
                name = ast.unparse(node.func)
                if name == "setattr" and node.args and _names_an_appeal(node.args[0]):
                    found.append(f"{where} {ast.unparse(node)}")
                if (
                    name in {"update", "insert", "delete"}
                    and node.args
                    and ast.unparse(node.args[0]).startswith("Appeal")
                ):
                    if ast.unparse(node.args[0]) in {"Appeal", "Appeal.__table__"}:
                        found.append(f"{where} {ast.unparse(node)}")
                if name == "Appeal":
                    found.append(f"{where} Appeal(...)")
    return found


def test_no_package_outside_appeals_writes_an_appeal():
    assert writes_outside_the_door() == []


def test_the_source_check_sees_a_write(tmp_path, monkeypatch):
    """The checker itself: a module that assigns to an appeal, calls setattr on it or builds one is caught."""
    sample = tmp_path / "lianxin" / "rogue"
    sample.mkdir(parents=True)
    (sample / "jobs.py").write_text(
        "def f(appeal, row):\n"
        "    appeal.status = 'closed'\n"
        "    row.supervision_level += 1\n"
        "    setattr(appeal, 'title', 'x')\n"
        "    return Appeal(title='x'), update(Appeal)\n"
    )
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path / "lianxin")
    monkeypatch.setattr(sys.modules[__name__], "DOOR", tmp_path / "lianxin" / "appeals")
    found = writes_outside_the_door()
    assert [line.split(" ", 1)[1] for line in found] == [
        "appeal.status =",
        "row.supervision_level =",
        "setattr(appeal, 'title', 'x')",
        "Appeal(...)",
        "update(Appeal)",
    ]


class Sent:
    def __init__(self):
        self.sent = []

    def send(self, notification) -> None:
        self.sent.append(notification.id)


@pytest.fixture
def writers():
    """Every (attribute, file:line) that sets an Appeal attribute from lianxin/ outside appeals/."""
    seen: list[tuple[str, str]] = []

    def listener(target, value, oldvalue, initiator):
        frame = sys._getframe(1)
        while frame is not None:
            filename = Path(frame.f_code.co_filename)
            if ROOT in filename.parents:
                if DOOR not in filename.parents:
                    seen.append((initiator.key, f"{filename.relative_to(ROOT.parent)}:{frame.f_lineno}"))
                return
            if "sqlalchemy" not in filename.parts:  # a test or a library wrote it: not ours to judge
                return
            frame = frame.f_back

    attributes = [getattr(Appeal, key) for key in APPEAL_COLUMNS]
    for attribute in attributes:
        event.listen(attribute, "set", listener)
    yield seen
    for attribute in attributes:
        event.remove(attribute, "set", listener)


def test_the_demo_and_the_jobs_change_appeals_only_through_the_verbs(engine, settings, tmp_path, writers):
    connection = engine.connect()
    outer = connection.begin()
    session = Session(
        bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False, info={"settings": settings}
    )
    try:
        empty = settings.model_copy(update={"demo_data_dir": tmp_path})
        build_demo(session, empty, appeals=80, days=40, seed=11)
        session.flush()
        assert session.scalar(select(Jurisdiction.id).where(Jurisdiction.code == "default")) is not None
        later = max(session.scalars(select(Appeal.due_at).where(Appeal.due_at.is_not(None)))) + timedelta(days=10)

        factory = sessionmaker(
            bind=connection,
            join_transaction_mode="create_savepoint",
            expire_on_commit=False,
            info={"settings": settings},
        )
        run_jobs(factory, settings, Sent(), now=later)  # overdue, urges, visit tasks, deferrals, modules
    finally:
        session.close()
        outer.rollback()
        connection.close()
    assert writers == []
