"""The public statistics' cache (lianxin/stats/cache.py): the same figures until the fold job moves the
watermark or the entry's time ends; another window or weight is another entry."""

from __future__ import annotations

import time
from datetime import date, timedelta

import pytest
from sqlalchemy.orm import Session

from lianxin import memo
from lianxin.clock import local_date
from lianxin.db import make_engine
from lianxin.stats import cache
from lianxin.stats.fold import fold_now
from lianxin.stats.rates import Weights
from lianxin.stats.rollups import forget_live
from tests.factories import build_city, new_appeal
from tests.helpers import migrated, scratch_database

YEAR = (date(2025, 4, 1), date(2026, 3, 31))


@pytest.fixture(autouse=True)
def empty_cache():
    memo.clear()
    yield
    memo.clear()


def summary(db, city, *, ttl=60.0, weights=Weights(), period=YEAR):
    return cache.cached_public_summary(db, city.jid, *period, weights=weights, ttl=ttl)


def fold(db):
    fold_now(db)
    fold_now(db)  # the second run folds what the first saw: the watermark moves
    forget_live(db)  # what this session read of the unfolded events (a request has a session of its own)


def test_a_summary_is_kept_until_the_fold_moves_the_watermark(db, city, clock):
    new_appeal(db, city)
    kept = summary(db, city)
    assert summary(db, city) is kept and kept["received"] == 1
    new_appeal(db, city)
    forget_live(db)
    assert summary(db, city) is kept  # at most one fold old: a busy city still reads from memory
    fold(db)
    folded = summary(db, city)
    assert folded is not kept and folded["received"] == 2


def test_window_and_weights_are_part_of_the_key(db, city, clock):
    new_appeal(db, city)
    kept = summary(db, city)
    assert summary(db, city, period=(date(2026, 1, 1), date(2026, 3, 31))) is not kept
    assert summary(db, city, weights=Weights(basic=0.5)) is not kept
    assert summary(db, city) is kept


def test_an_entry_ends_after_its_time_and_zero_turns_the_cache_off(db, city, clock):
    new_appeal(db, city)
    short = summary(db, city, ttl=0.05)
    time.sleep(0.1)
    assert summary(db, city, ttl=0.05) is not short
    assert summary(db, city, ttl=0) is not summary(db, city, ttl=0)


def test_the_public_page_and_api_use_the_setting(client, db, city, clock, monkeypatch):
    monkeypatch.setattr(client.app.state.settings, "public_stats_cache_seconds", 60)
    new_appeal(db, city, lat=39.91, lng=116.41)
    assert client.get("/api/v1/stats/public").json()["received"] == 1
    assert 'id="kpi-received">1<' in client.get("/stats").text
    new_appeal(db, city, lat=39.91, lng=116.41)
    forget_live(db)  # the test client shares this session
    assert client.get("/api/v1/stats/public").json()["received"] == 1  # until the next fold
    fold(db)
    assert client.get("/api/v1/stats/public").json()["received"] == 2
    assert 'id="kpi-received">2<' in client.get("/stats").text


def test_a_stale_summary_is_served_while_it_is_computed_again_on_a_connection_of_its_own(settings, tmp_path_factory):
    """On a committed database (the app's sessions are bound to an engine): after the fold, the next reader still
    gets the summary it replaces, at once; the new one is computed in the background and served from then on."""
    with scratch_database(settings, tmp_path_factory, "memo") as own:
        migrated(own)
        engine = make_engine(own)
        writer = Session(bind=engine, expire_on_commit=False, info={"settings": own})
        city = build_city(writer)
        new_appeal(writer, city)
        writer.commit()
        period = (local_date() - timedelta(days=30), local_date())

        def read() -> dict:
            with Session(bind=engine, info={"settings": own}) as session:
                return cache.cached_public_summary(session, city.jid, *period, weights=Weights(), ttl=60)

        first = read()
        assert first["received"] == 1 and read() is first
        new_appeal(writer, city)
        fold(writer)
        writer.commit()
        assert read() is first  # the watermark moved: served as it was while it is computed again
        deadline = time.monotonic() + 20
        while memo.refreshing() and time.monotonic() < deadline:
            time.sleep(0.02)
        again = read()
        assert again is not first and again["received"] == 2 and read() is again
        writer.close()
        engine.dispose()
