"""Races between verbs that decide by a second appeal's state, on real concurrent connections.

Each thread has its own session from a real engine against a database of this module's own (a SQLite file,
or a scratch PostgreSQL database), with committed data: the rolled-back ``db`` fixture is one transaction
and cannot race itself. Both threads read everything first, meet at a barrier, then act and commit, the
way two dispatchers' requests arrive at the same moment.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from lianxin.appeals.models import Appeal, AppealEvent
from lianxin.appeals.service import (
    add_note,
    dispatch_appeal,
    merge_appeal,
    record_contact,
    reply_to_appeal,
    sign_appeal,
    terminate_appeal,
)
from lianxin.appeals.status import MAIN_REPLIED, AppealStatus
from lianxin.config import Settings
from lianxin.db import make_engine, make_sessionmaker, session_scope
from lianxin.errors import Conflict, LianxinError, StaleVersion
from lianxin.orgs.models import Unit, User
from tests.factories import City, build_city, new_appeal
from tests.helpers import migrated

ROUNDS = 8
WON = "won"


@dataclass
class RaceDb:
    factory: sessionmaker[Session]
    city: City

    def user(self, session: Session, key: str) -> User:
        return session.get(User, self.city.users[key].id)

    def unit(self, session: Session, key: str) -> Unit:
        return session.get(Unit, self.city.units[key].id)


@pytest.fixture(scope="module")
def race_db(settings, tmp_path_factory) -> Iterator[RaceDb]:
    """A migrated database of this module's own with a committed city, dropped afterwards."""
    admin = name = None
    if settings.database_url.startswith("sqlite"):
        url = f"sqlite:///{tmp_path_factory.mktemp('race') / 'race.db'}"
    else:
        base = make_url(settings.database_url.replace("postgresql://", "postgresql+psycopg://", 1))
        name = f"lianxin_race_{uuid.uuid4().hex[:8]}"
        admin = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        url = base.set(database=name).render_as_string(hide_password=False)
    race_settings = Settings(database_url=url, notify_sender="console", upload_dir=tmp_path_factory.mktemp("race_up"))
    migrated(race_settings)
    engine = make_engine(race_settings)
    factory = make_sessionmaker(engine, race_settings)
    with session_scope(factory) as session:
        city = build_city(session, code="race")
    try:
        yield RaceDb(factory, city)
    finally:
        engine.dispose()
        if admin is not None:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()


def committed(race: RaceDb, make: Callable[[Session], Appeal]) -> int:
    with session_scope(race.factory) as session:
        return make(session).id


def fresh(race: RaceDb, appeal_id: int) -> Appeal:
    with race.factory() as session:
        return session.get(Appeal, appeal_id)


def race(race_db: RaceDb, *contenders: Callable[[Session], None], late: int | None = None) -> list:
    """Run each contender in its own thread and session: load first, meet at the barrier, act, commit.
    ``late``: that contender acts 50 ms after the others (the order both ways round, on SQLite too).
    Each result is ``WON`` or the domain error it was refused with (anything else fails the test)."""
    barrier = threading.Barrier(len(contenders), timeout=30)

    def run(index: int, contender) -> object:
        with race_db.factory() as session:
            act = contender(session)  # reads the appeals and the actor: the state this request decides on
            barrier.wait()
            if index == late:
                time.sleep(0.05)
            try:
                act()
                session.commit()
                return WON
            except LianxinError as exc:
                session.rollback()
                return exc

    with ThreadPoolExecutor(len(contenders)) as pool:
        return [f.result(timeout=60) for f in [pool.submit(run, i, c) for i, c in enumerate(contenders)]]


def merger(race_db: RaceDb, appeal_id: int, into_id: int, *, with_version: bool):
    def load(session: Session):
        appeal, into = session.get(Appeal, appeal_id), session.get(Appeal, into_id)
        actor = race_db.user(session, "dispatcher")
        version = appeal.version if with_version else None
        return lambda: merge_appeal(session, appeal, into, actor=actor, note="同一问题", expected_version=version)

    return load


def terminator(race_db: RaceDb, appeal_id: int):
    def load(session: Session):
        appeal, actor = session.get(Appeal, appeal_id), race_db.user(session, "dispatcher")
        version = appeal.version
        return lambda: terminate_appeal(session, appeal, actor=actor, reason="诉求人撤回诉求", expected_version=version)

    return load


def replier(race_db: RaceDb, appeal_id: int):
    def load(session: Session):
        appeal, actor = session.get(Appeal, appeal_id), race_db.user(session, "street_handler")
        version = appeal.version
        _ = appeal.units, appeal.requests  # everything the verb reads, read before the barrier
        return lambda: reply_to_appeal(
            session, appeal, actor=actor, text="已更换灯泡，路灯恢复照明。", expected_version=version
        )

    return load


def assert_one_winner(results: list) -> object:
    """Exactly one contender won; the other was refused with a 409 (never a 403, 422 or a 500)."""
    assert sorted(r == WON for r in results) == [False, True], results
    (loser,) = [r for r in results if r != WON]
    assert isinstance(loser, Conflict) and loser.http_status == 409, repr(loser)
    assert loser.message_zh and loser.message_en
    return loser


@pytest.mark.parametrize("with_version", [True, False], ids=["if-match", "no-version"])
def test_merging_a_into_b_and_b_into_a_at_once_merges_exactly_one(race_db, with_version):
    stale = 0
    for _ in range(ROUNDS):
        a = committed(race_db, lambda s: new_appeal(s, race_db.city))
        b = committed(race_db, lambda s: new_appeal(s, race_db.city, appellant_phone="13900001111"))
        results = race(
            race_db, merger(race_db, a, b, with_version=with_version), merger(race_db, b, a, with_version=with_version)
        )
        loser = assert_one_winner(results)
        stale += type(loser).__name__ == "StaleVersion"
        first, second = fresh(race_db, a), fresh(race_db, b)
        merged, main = (first, second) if first.status == AppealStatus.MERGED else (second, first)
        assert merged.status == AppealStatus.MERGED and merged.merged_into_id == main.id
        assert main.status == AppealStatus.RECEIVED and main.merged_into_id is None  # never a cycle
    print(
        f"A→B vs B→A ({with_version}): {ROUNDS} rounds, one merge each; the loser stale {stale}, refused by state {ROUNDS - stale}"
    )


def test_merging_into_an_appeal_being_terminated_lets_exactly_one_happen(race_db):
    merge_first = 0
    for _ in range(ROUNDS):
        follower = committed(race_db, lambda s: new_appeal(s, race_db.city))
        main = committed(race_db, lambda s: new_appeal(s, race_db.city, appellant_phone="13900002222"))
        results = race(race_db, merger(race_db, follower, main, with_version=True), terminator(race_db, main))
        assert_one_winner(results)
        follower_now, main_now = fresh(race_db, follower), fresh(race_db, main)
        if results[0] == WON:  # merged first: the main appeal stays open for its follower
            assert follower_now.status == AppealStatus.MERGED and main_now.status == AppealStatus.RECEIVED
        else:  # terminated first: the follower was not merged into a dead end
            assert main_now.status == AppealStatus.TERMINATED
            assert follower_now.status == AppealStatus.RECEIVED and follower_now.merged_into_id is None
        merge_first += results[0] == WON
    print(f"merge vs terminate: merge won {merge_first} of {ROUNDS}, terminate {ROUNDS - merge_first}")


def test_a_follower_merged_while_the_main_appeal_is_replied_still_gets_the_reply(race_db):
    def contacted_appeal(session: Session) -> Appeal:
        appeal = new_appeal(session, race_db.city, appellant_phone="13900003333")
        dispatch_appeal(session, appeal, race_db.unit(session, "street"), actor=race_db.user(session, "dispatcher"))
        sign_appeal(session, appeal, actor=race_db.user(session, "street_handler"))
        return record_contact(
            session, appeal, actor=race_db.user(session, "street_handler"), note="电话联系，已约上门查看"
        )

    reply_first = 0
    for round_no in range(ROUNDS):
        follower = committed(race_db, lambda s: new_appeal(s, race_db.city))
        main = committed(race_db, contacted_appeal)
        merged, replied = race(
            race_db,
            merger(race_db, follower, main, with_version=True),
            replier(race_db, main),
            late=(None, 0, 1)[round_no % 3],
        )  # neither late, the merge late, the reply late
        assert merged == WON, repr(merged)  # the reply leaves the main appeal open to merges
        with race_db.factory() as session:
            kinds = session.scalars(select(AppealEvent.kind).where(AppealEvent.appeal_id == follower)).all()
        reply_first += replied == WON
        if replied == WON:  # replied first: the merge saw the reply and passed it on
            assert fresh(race_db, main).status == AppealStatus.REPLIED and MAIN_REPLIED in kinds
        else:  # merged first: the reply, decided on the old follower list, is refused; the retry tells the follower
            assert isinstance(replied, Conflict) and replied.http_status == 409, repr(replied)
            assert fresh(race_db, main).status == AppealStatus.IN_PROGRESS and MAIN_REPLIED not in kinds
    print(f"merge vs reply: reply first {reply_first} of {ROUNDS}, merge first {ROUNDS - reply_first}")


def test_a_merge_whose_transaction_read_before_another_commit_gets_a_409_not_a_500(race_db):
    """Like the staff action handler: a savepoint first, so the reads share the transaction (on SQLite, one
    snapshot). Another dispatcher's note on the follower commits in between: the merge is a lost race (409),
    not a "database is locked" 500 on SQLite, and changes nothing."""
    a = committed(race_db, lambda s: new_appeal(s, race_db.city))
    b = committed(race_db, lambda s: new_appeal(s, race_db.city, appellant_phone="13900004444"))
    with race_db.factory() as mine:
        mine.begin_nested()
        appeal, into, actor = mine.get(Appeal, a), mine.get(Appeal, b), race_db.user(mine, "dispatcher")
        version = appeal.version
        with session_scope(race_db.factory) as theirs:
            add_note(theirs, theirs.get(Appeal, a), actor=race_db.user(theirs, "dispatcher"), note="已电话核实地址")
        with pytest.raises(StaleVersion):
            merge_appeal(mine, appeal, into, actor=actor, expected_version=version)
        mine.rollback()
    assert fresh(race_db, a).status == AppealStatus.RECEIVED and fresh(race_db, a).merged_into_id is None
