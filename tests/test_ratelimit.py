"""The rate-limit store: fixed-window counts, lockouts with exponential back-off, pruning, client
addresses behind trusted proxies, and counts shared by two app instances on one database."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from starlette.datastructures import Headers

from lianxin import ratelimit
from lianxin.app import create_app
from lianxin.db import make_engine, make_sessionmaker, session_scope
from lianxin.jobs import CORE_JOBS
from lianxin.ratelimit import RateCounter, RateLimited, RateLock, client_address
from tests.factories import PASSWORD, build_city
from tests.helpers import migrated

BACKOFF = dict(after=3, base=timedelta(seconds=60), cap=timedelta(minutes=10), memory=timedelta(hours=1))


def test_hit_counts_per_key_and_refuses_past_the_limit_with_the_time_left(db, clock):
    for n in range(1, 4):
        assert ratelimit.hit(db, "t", "1.2.3.4", limit=3, window=timedelta(minutes=1)) == n
    with pytest.raises(RateLimited) as refused:
        ratelimit.hit(db, "t", "1.2.3.4", limit=3, window=timedelta(minutes=1))
    assert refused.value.http_status == 429 and refused.value.code == "rate_limited"
    assert 1 <= refused.value.retry_after <= 60 and refused.value.headers == {
        "Retry-After": str(refused.value.retry_after)
    }
    assert "请" in refused.value.message_zh and "try again" in refused.value.message_en
    ratelimit.hit(db, "t", "5.6.7.8", limit=3, window=timedelta(minutes=1))  # another address: its own count
    ratelimit.hit(db, "other", "1.2.3.4", limit=3, window=timedelta(minutes=1))  # another rule too
    clock.shift(timedelta(minutes=1))
    assert ratelimit.hit(db, "t", "1.2.3.4", limit=3, window=timedelta(minutes=1)) == 1  # a new window


def test_keys_are_stored_only_as_a_keyed_hash(db, clock):
    ratelimit.hit(db, "otp:phone", "13800138000", limit=5, window=timedelta(hours=1))
    stored = db.scalars(select(RateCounter.key_hash)).all()
    assert stored and all("13800138000" not in value and len(value) == 64 for value in stored)


def test_peek_refuses_at_the_limit_without_counting(db, clock):
    window = timedelta(hours=1)
    assert ratelimit.peek(db, "miss", "A1", limit=2, window=window) == 0
    ratelimit.hit(db, "miss", "A1", limit=2, window=window)
    ratelimit.hit(db, "miss", "A1", limit=2, window=window)
    with pytest.raises(RateLimited):
        ratelimit.peek(db, "miss", "A1", limit=2, window=window)


def test_failures_lock_with_exponential_back_off_and_the_right_secret_clears_them(db, clock):
    for _ in range(2):
        ratelimit.fail(db, "pw", "alice", **BACKOFF)
    ratelimit.check_lock(db, "pw", "alice")  # two failures: not yet
    ratelimit.fail(db, "pw", "alice", **BACKOFF)  # the third locks for 60 s
    with pytest.raises(RateLimited) as locked:
        ratelimit.check_lock(db, "pw", "alice")
    assert locked.value.locked and locked.value.retry_after == 60 and "锁定" in locked.value.message_zh
    clock.shift(timedelta(seconds=61))
    ratelimit.check_lock(db, "pw", "alice")
    ratelimit.fail(db, "pw", "alice", **BACKOFF)  # the fourth: 120 s
    with pytest.raises(RateLimited) as longer:
        ratelimit.check_lock(db, "pw", "alice")
    assert longer.value.retry_after == 120
    for _ in range(10):
        ratelimit.fail(db, "pw", "alice", **BACKOFF)
    with pytest.raises(RateLimited) as capped:
        ratelimit.check_lock(db, "pw", "alice")
    assert capped.value.retry_after == 600
    ratelimit.check_lock(db, "pw", "bob")  # other accounts are not affected
    ratelimit.clear(db, "pw", "alice")
    ratelimit.check_lock(db, "pw", "alice")


def test_failures_are_forgotten_after_the_memory_period(db, clock):
    for _ in range(2):
        ratelimit.fail(db, "pw", "carol", **BACKOFF)
    clock.shift(timedelta(hours=2))
    assert ratelimit.fail(db, "pw", "carol", **BACKOFF) == (1, None)
    ratelimit.check_lock(db, "pw", "carol")


def test_the_job_prunes_finished_windows_and_forgotten_failures(db, clock):
    assert "prune_rate_limits" in {job.name for job in CORE_JOBS}
    ratelimit.hit(db, "t", "old", limit=9, window=timedelta(minutes=1))
    ratelimit.fail(db, "pw", "old", **BACKOFF)
    clock.shift(timedelta(hours=2))
    ratelimit.hit(db, "t", "new", limit=9, window=timedelta(minutes=1))
    assert ratelimit.prune(db) == 2
    assert db.scalar(select(func.count(RateCounter.id))) == 1 and db.scalar(select(func.count(RateLock.id))) == 0


def request_from(peer: str, forwarded: str | None = None):
    headers = Headers({"x-forwarded-for": forwarded} if forwarded else {})
    return SimpleNamespace(client=SimpleNamespace(host=peer), headers=headers)


def test_x_forwarded_for_counts_only_behind_a_trusted_proxy():
    assert client_address(request_from("203.0.113.9", "1.1.1.1"), []) == "203.0.113.9"  # default: ignored
    assert client_address(request_from("203.0.113.9", "1.1.1.1"), ["10.0.0.0/8"]) == "203.0.113.9"  # peer not trusted
    assert client_address(request_from("10.0.0.2", "1.1.1.1"), ["10.0.0.0/8"]) == "1.1.1.1"
    # A client cannot hide behind a forged first entry: the nearest untrusted hop counts.
    assert client_address(request_from("10.0.0.2", "6.6.6.6, 2.2.2.2, 10.0.0.7"), ["10.0.0.0/8"]) == "2.2.2.2"
    assert client_address(request_from("10.0.0.2", "not-an-ip"), ["10.0.0.0/8"]) == "10.0.0.2"


@pytest.fixture
def shared_database(scratch_settings, tmp_path):
    """A database of its own (committed rows, as in production), with one staff user."""
    settings = scratch_settings.model_copy(
        update={"upload_dir": tmp_path / "uploads", "rate_lockout_after": 3, "rate_lockout_base_seconds": 60}
    )
    migrated(settings)
    factory = make_sessionmaker(make_engine(settings), settings)
    with session_scope(factory) as session:
        city = build_city(session, code="rl")
    yield settings, city
    factory.kw["bind"].dispose()


def login(client: TestClient, username: str, password: str) -> int:
    from tests.helpers import csrf_from

    token = csrf_from(client, "/login")
    return client.post(
        "/login", data={"username": username, "password": password, "csrf_token": token}, follow_redirects=False
    ).status_code


def test_a_lockout_holds_across_two_app_instances_sharing_the_database(shared_database, clock):
    """Two processes' worth of app (own engines, own connection pools), counts committed on their own."""
    settings, city = shared_database
    name = city.users["dispatcher"].username
    with TestClient(create_app(settings)) as one, TestClient(create_app(settings)) as two:
        assert login(one, name, "wrong-1") == 401
        assert login(two, name, "wrong-2") == 401
        assert login(one, name, "wrong-3") == 401  # the third failure across both instances locks the account
        assert login(two, name, PASSWORD) == 429  # the right password, the other instance: still locked
        assert login(one, name, PASSWORD) == 429
        clock.shift(timedelta(seconds=61))
        assert login(two, name, PASSWORD) == 303


def test_refund_gives_back_a_counted_request(db, clock):
    window = timedelta(hours=1)
    ratelimit.hit(db, "miss", "B2", limit=1, window=window)
    ratelimit.refund(db, "miss", "B2", window=window)
    assert ratelimit.hit(db, "miss", "B2", limit=1, window=window) == 1


def test_unfail_takes_back_one_failure_and_only_the_lock_it_caused(db, clock):
    for _ in range(2):
        ratelimit.fail(db, "pw", "dave", **BACKOFF)
    failures, until = ratelimit.fail(db, "pw", "dave", **BACKOFF)  # counted before the secret was checked
    assert failures == 3 and until is not None
    ratelimit.unfail(db, "pw", "dave", locked_until=until)  # it was right
    ratelimit.check_lock(db, "pw", "dave")
    assert ratelimit.fail(db, "pw", "dave", **BACKOFF)[0] == 3
