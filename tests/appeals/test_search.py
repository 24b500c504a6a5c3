"""Search by words (lianxin.appeals.search): substrings of title, letter and address, 2-character words and
longer ones, Latin case, % and _ taken literally, the short word's window; on PostgreSQL the trigram index."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select, text

from lianxin.appeals import search
from lianxin.appeals.models import Appeal
from lianxin.appeals.search import indexable, words
from tests.factories import new_appeal
from tests.web.staff.helpers import as_user


def found(db, q: str) -> set[int]:
    return set(db.scalars(select(Appeal.id).where(words(q))))


@pytest.fixture
def letters(db, city):
    return {
        "title": new_appeal(
            db, city, title="鸽粪污染阳台", content="楼上住户喂养信鸽，天天如此。", address="滨河湾8号楼"
        ),
        "content": new_appeal(db, city, title="噪声", content="凌晨的夜市排档吵闹不止，无法入睡。", address="翠湖苑"),
        "address": new_appeal(db, city, title="井盖", content="路口缺一个井盖。", address="梧桐苑东门外QiaoTou路"),
        "latin": new_appeal(db, city, title="WiFi信号差", content="Free WIFI 经常断线。", address="图书馆"),
        "percent": new_appeal(db, city, title="优惠50%_未兑现", content="商家承诺的优惠没有兑现。", address="商场"),
    }


def test_words_are_found_in_title_letter_and_address_whatever_their_length(db, letters):
    ids = {key: appeal.id for key, appeal in letters.items()}
    assert found(db, "鸽粪") == {ids["title"]}  # 2 characters, in the title
    assert found(db, "鸽粪污染") == {ids["title"]}  # 4, in the title
    assert found(db, "信鸽") == {ids["title"]}  # 2, in the letter only
    assert found(db, "排档") == {ids["content"]} and found(db, "夜市排档吵闹") == {ids["content"]}
    assert found(db, "梧桐苑东门") == {ids["address"]} and found(db, "东门") == {ids["address"]}
    assert found(db, "不存在的词") == set() and found(db, "鸽污") == set()  # a substring, not scattered characters


def test_latin_is_case_insensitive_and_percent_and_underscore_match_themselves(db, letters):
    ids = {key: appeal.id for key, appeal in letters.items()}
    assert found(db, "wifi") == found(db, "WIFI") == {ids["latin"]}
    assert found(db, "qiaotou") == {ids["address"]}
    assert found(db, "50%_") == {ids["percent"]}
    assert found(db, "%") == {ids["percent"]} and found(db, "_") == {ids["percent"]}
    assert found(db, "0%_未") == {ids["percent"]}
    assert found(db, "优惠50") == {ids["percent"]} and found(db, "优惠5_%") == set()


def test_which_words_the_trigram_index_can_find():
    assert indexable("停车难") and indexable("wifi") and indexable("5678") and indexable("小区 停车难")
    assert not indexable("停车") and not indexable("a") and not indexable("停 车 难") and not indexable("50%_")


def test_a_long_phrase_is_looked_up_by_a_few_pieces_and_each_row_tested_for_the_whole():
    phrase = "垃圾桶满了没人清运，气味很大，持续半个多月，请给予答复"
    assert search.pattern(phrase) == "%垃圾桶%气味很%持续半%请给予%"  # the first piece of each run
    assert search.pattern("小区门口的路灯坏了晚上出行不便") == "%小区门%口的路%灯坏了%晚上出%"  # one run: its pieces
    assert (
        search.pattern("小区 停车难") == "%停车难%" and search.pattern("化粪池外溢") == "%化粪池外溢%"
    )  # few trigrams
    assert search.pattern("5678") == "%5678%" and search.pattern("50%_折扣券") == "%折扣券%"
    for q in (phrase, "小区门口的路灯坏了晚上出行不便", "拖欠三个月工资", "Free WiFi Zone 信号差", "50%_折扣券"):
        assert re.fullmatch(search.pattern(q).replace("%", ".*"), q), q  # whatever holds q matches its pattern


def test_a_row_with_every_piece_but_not_the_phrase_is_not_found(db, city):
    whole = new_appeal(db, city, title="夜市", content="夜市排档吵闹，持续半个多月。")
    scattered = new_appeal(db, city, title="夜市", content="夜市排长队，摊档吵闹，持续半年，多个多月了。")
    assert search.pattern("夜市排档吵闹，持续半个多月") == "%夜市排%档吵闹%持续半%个多月%"
    assert found(db, "夜市排档吵闹，持续半个多月") == {whole.id}
    assert found(db, "档吵闹") == {whole.id, scattered.id}
    latin = new_appeal(db, city, title="Free WiFi Zone", content="公共场所信号很差。")
    assert found(db, "free wifi zone") == found(db, "FREE WIFI") == {latin.id}
    assert search.pattern("free zone wifi") == "%fre%zon%wif%"
    assert found(db, "free zone wifi") == set()  # each piece is there, not in this order nor the phrase


def test_a_short_word_is_looked_for_among_the_newest_appeals_only(db, city, monkeypatch):
    old, middle, new = (new_appeal(db, city, title=f"楼顶鸽子{n}号", content="鸽子很多。") for n in (1, 2, 3))
    monkeypatch.setattr(search, "SHORT_WINDOW", 2)
    assert found(db, "鸽子") == {middle.id, new.id}  # 2 characters: the newest 2 appeals only
    assert found(db, "楼顶鸽子") == {old.id, middle.id, new.id}  # 3 or more: all of them


def test_the_staff_list_and_the_api_search_and_say_where_a_short_word_was_looked_for(client, db, city, letters):
    as_user(client, city, "dispatcher")
    short = client.get("/staff/appeals?q=排档").text
    assert letters["content"].order_no in short and letters["title"].order_no not in short
    assert "最近 100,000 件诉求" in short
    long = client.get("/staff/appeals?q=夜市排档").text
    assert letters["content"].order_no in long and "最近 100,000 件诉求" not in long
    english = client.get("/staff/appeals?q=wifi&lang=en").text
    assert letters["latin"].order_no in english
    assert "newest 100,000 appeals" in client.get("/staff/appeals?q=Wi&lang=en").text

    api = client.get("/api/v1/appeals", params={"q": "排档"}).json()
    assert [i["order_no"] for i in api["items"]] == [letters["content"].order_no] and api["search_window"] == 100_000
    assert api["total"] is None  # not counted: follow next_cursor
    api = client.get("/api/v1/appeals", params={"q": "QIAOTOU"}).json()
    assert [i["order_no"] for i in api["items"]] == [letters["address"].order_no] and api["search_window"] is None
    assert api["total"] == 1


def test_a_short_word_is_not_counted_the_list_says_more_and_goes_on_by_cursor(client, db, city):
    appeals = [new_appeal(db, city, title=f"鸽子扰民{n}", content="鸽子很多。") for n in range(21)]
    as_user(client, city, "dispatcher")
    first = client.get("/staff/appeals?q=鸽子").text
    assert "<strong>20+</strong>" in first and 'rel="next"' in first and "after=" in first
    assert appeals[-1].order_no in first and appeals[0].order_no not in first  # newest first
    after = first.split('rel="next"')[0].rsplit('href="', 1)[1].split('"')[0].replace("&amp;", "&")
    second = client.get(after).text
    assert appeals[0].order_no in second and appeals[-1].order_no not in second
    counted = client.get("/staff/appeals?q=鸽子扰民").text
    assert "<strong>21</strong>" in counted


def plan(db, q: str) -> str:
    stmt = select(Appeal.id).where(words(q))
    sql = stmt.compile(db.get_bind(), compile_kwargs={"literal_binds": True})
    db.execute(text("SET LOCAL enable_seqscan = off"))  # a test table is tiny: ask whether the index can serve it
    return "\n".join(db.scalars(text(f"EXPLAIN {sql}")))


def test_on_postgresql_a_search_of_three_characters_or_more_reads_the_trigram_indexes(db, letters):
    if db.get_bind().dialect.name != "postgresql":
        pytest.skip("PostgreSQL only: the trigram indexes are pg_trgm's")
    for q in ("夜市排档", "wifi", "梧桐苑"):
        shown = plan(db, q)
        for column in ("title", "content", "address"):
            assert f"ix_appeals_{column}_trgm" in shown, shown
    long = plan(
        db, "夜市排档吵闹，持续半个多月"
    )  # the index looks up the pieces; the whole phrase is tested on the row
    assert "ix_appeals_content_trgm" in long and "夜市排%" in long and "个多月%" in long, long
    assert "strpos(content, '夜市排档吵闹，持续半个多月'" in long and "持续半个多月%" not in long, long
    phone = select(Appeal.id).where(Appeal.appellant_phone.endswith("5678", autoescape=True))
    sql = phone.compile(db.get_bind(), compile_kwargs={"literal_binds": True})
    assert "ix_appeals_appellant_phone_trgm" in "\n".join(db.scalars(text(f"EXPLAIN {sql}")))


def test_without_pg_trgm_the_migrations_still_agree_with_the_models_and_search_scans(scratch_settings):
    from lianxin.db import make_engine
    from lianxin.migrations import check, downgrade, upgrade

    upgrade(scratch_settings)
    engine = make_engine(scratch_settings)
    try:
        with engine.begin() as conn:
            if conn.dialect.name == "postgresql":  # a server where pg_trgm was never installed
                conn.execute(text("DROP EXTENSION pg_trgm CASCADE"))
            assert not search.trigram_ready(conn)
        check(scratch_settings)  # the trigram indexes are expected only where pg_trgm is
        downgrade(scratch_settings, "0018")
        upgrade(scratch_settings)
        check(scratch_settings)
        with engine.connect() as conn:
            trigram_indexes = (
                set(search.TRIGRAM_INDEXES)
                & {name for (name,) in conn.execute(text("SELECT indexname FROM pg_indexes"))}
                if conn.dialect.name == "postgresql"
                else set()
            )
            assert trigram_indexes == (set(search.TRIGRAM_INDEXES) if search.trigram_ready(conn) else set())
    finally:
        engine.dispose()
