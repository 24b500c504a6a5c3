"""台账 export (columns, masking, filters, scoping) and import (row-by-row report, all-or-nothing,
--only-good, replay through the verbs at historical times)."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import select
from typer.testing import CliRunner

from lianxin.appeals.models import Appeal, AppealEvent
from lianxin.appeals.status import AppealStatus
from lianxin.cli import app
from lianxin.errors import InvalidInput, PermissionDenied
from lianxin.ledger.export import COLUMNS, export_csv, export_xlsx, ledger_rows
from lianxin.ledger.importer import import_ledger, read_table
from lianxin.stats.fold import fold_now
from lianxin.stats.rollups import rollup_sums
from tests.assessment.scenario import build
from tests.factories import new_appeal
from tests.helpers import small_demo
from tests.test_cli import cli_env  # noqa: F401 - fixture


def good_row(**overrides) -> dict[str, str]:
    row = {
        "序号": "1",
        "工单编号": "",
        "受理时间": "2026-02-02 09:00",
        "诉求人": "李四",
        "联系电话": "13900139000",
        "诉求内容": "小区门口路灯不亮已经一周了",
        "问题分类": "城乡建设/市政设施/路灯故障",
        "承办单位": "和平街道",
        "办理时限": "",
        "办结时间": "2026-02-05 16:00",
        "状态": "已办结",
        "回访结果": "满意",
    }
    return row | overrides


def test_export_has_the_columns_masks_people_and_follows_filters(db, city, clock):
    s = build(db, city, clock)
    rows = list(ledger_rows(db, city.jid))
    assert len(rows) == 8 and [r[0] for r in rows] == list(range(1, 9))
    first = dict(zip(COLUMNS, rows[0]))
    assert first["工单编号"] == s.appeals["a1"].order_no
    assert first["诉求人"] == "张*" and first["联系电话"] == "138****8000"
    assert first["问题分类"] == "城乡建设/市政设施/路灯故障" and first["承办单位"] == "和平街道"
    assert first["状态"] == "已办结" and first["回访结果"] == "满意" and first["办结时间"].startswith("2026-03-0")
    assert dict(zip(COLUMNS, rows[4]))["回访结果"] == "未回访"
    closed = list(ledger_rows(db, city.jid, status="closed"))
    assert len(closed) == 5
    street2 = list(ledger_rows(db, city.jid, unit_id=city.units["street2"].id))
    assert [r[1] for r in street2] == [s.appeals["b1"].order_no]
    assert list(ledger_rows(db, city.jid, start=date(2026, 4, 1))) == []
    assert list(ledger_rows(db, city.jid, actor=city.users["street2_handler"])) == street2
    with pytest.raises(PermissionDenied):
        list(ledger_rows(db, city.jid, actor=city.users["grid_worker"]))
    with pytest.raises(InvalidInput):
        list(ledger_rows(db, city.jid, status="lost"))


def test_xlsx_and_csv_exports_read_back(db, city, clock):
    build(db, city, clock)
    sheet = load_workbook(io.BytesIO(export_xlsx(db, city.jid))).active
    assert [c.value for c in sheet[1]] == COLUMNS and sheet.max_row == 9
    text = export_csv(db, city.jid).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == COLUMNS and len(rows) == 9
    assert "13800138000" not in text and "张三" not in text


def test_import_replays_orders_through_the_verbs_at_their_times(db, city, clock):
    rows = [
        good_row(),
        good_row(工单编号="20260203000007", 受理时间="2026-02-03 10:00", 状态="办理中", 办结时间="", 回访结果=""),
        good_row(受理时间="2026-02-04 10:00", 回访结果="不满意"),
        good_row(受理时间="2026-02-04 11:00", 回访结果="未回访"),
    ]
    report = import_ledger(db, city.jid, rows)
    assert report.errors == [] and len(report.imported) == 4
    first = db.scalar(select(Appeal).where(Appeal.order_no == report.imported[0]))
    assert first.status == AppealStatus.CLOSED and first.satisfaction == "satisfied"
    assert first.received_at == datetime.fromisoformat("2026-02-02T09:00+08:00")
    assert first.closed_at == datetime.fromisoformat("2026-02-05T16:00+08:00")
    assert first.lead_unit_id == city.units["street"].id and first.appellant_phone == "13900139000"
    kinds = list(db.scalars(select(AppealEvent.kind).where(AppealEvent.appeal_id == first.id).order_by(AppealEvent.id)))
    assert kinds == ["submitted", "dispatched", "signed", "contacted", "replied", "visited", "closed"]
    kept = db.scalar(select(Appeal).where(Appeal.order_no == "20260203000007"))
    assert kept.status == AppealStatus.IN_PROGRESS
    unhappy = db.scalar(select(Appeal).where(Appeal.order_no == report.imported[2]))
    assert unhappy.status == AppealStatus.CLOSED and unhappy.reopen_count == 0
    fold_now(db)
    february = rollup_sums(db, city.jid, date(2026, 2, 1), date(2026, 2, 28))[(None, None)]
    assert february["received"] == 4 and february["closed"] == 3
    assert february["visits_valid"] == 1 and february["visits_satisfied"] == 1  # 不满意 closed: not a valid visit


def test_a_file_with_bad_rows_imports_nothing_and_says_why(db, city):
    rows = [
        good_row(),
        good_row(联系电话="139****9000"),
        good_row(承办单位="火星街道", 受理时间="昨天"),
        good_row(状态="已办结", 办结时间=""),
        good_row(问题分类="不存在/分类"),
        good_row(回访结果="还行"),
        good_row(诉求内容="短"),
    ]
    report = import_ledger(db, city.jid, rows)
    assert report.imported == [] and report.bad_rows == [3, 4, 5, 6, 7, 8]
    by_row = {(e.row, e.column) for e in report.errors}
    assert {
        (3, "联系电话"),
        (4, "承办单位"),
        (4, "受理时间"),
        (5, "办结时间"),
        (6, "问题分类"),
        (7, "回访结果"),
        (8, "诉求内容"),
    } <= by_row
    assert all(e.message_zh and e.message_en for e in report.errors)
    assert "脱敏" in next(e.message_zh for e in report.errors if e.row == 3)
    assert db.scalar(select(Appeal).where(Appeal.appellant_phone == "13900139000")) is None
    good = import_ledger(db, city.jid, rows, only_good=True)
    assert len(good.imported) == 1 and good.bad_rows == report.bad_rows


def test_duplicate_order_numbers_and_bad_files(db, city, tmp_path):
    existing = new_appeal(db, city)
    report = import_ledger(
        db,
        city.jid,
        [
            good_row(工单编号=existing.order_no),
            good_row(工单编号="20260202000001"),
            good_row(工单编号="20260202000001"),
            good_row(工单编号="12"),
        ],
    )
    assert [(e.row, e.column) for e in report.errors] == [(2, "工单编号"), (4, "工单编号"), (5, "工单编号")]
    (tmp_path / "x.txt").write_text("hello")
    with pytest.raises(InvalidInput):
        read_table(tmp_path / "x.txt")
    (tmp_path / "x.csv").write_text("序号,诉求内容\n1,abc\n", encoding="utf-8")
    with pytest.raises(InvalidInput) as caught:
        read_table(tmp_path / "x.csv")
    assert "受理时间" in caught.value.message_zh


def test_cli_export_then_import_of_an_xlsx(cli_env, tmp_path):  # noqa: F811
    runner = CliRunner()
    small_demo(cli_env, ["ledger"], appeals=30, days=10)
    out = runner.invoke(app, ["ledger", "export", str(tmp_path / "l.xlsx")])
    assert out.exit_code == 0, out.output
    assert load_workbook(tmp_path / "l.xlsx").active.max_row == 1 + 30
    book = Workbook()
    sheet = book.active
    sheet.append(COLUMNS)
    sheet.append([good_row(承办单位="")[c] for c in COLUMNS])  # no unit: bad
    sheet.append([good_row(承办单位="", 状态="已受理", 办结时间="", 回访结果="")[c] for c in COLUMNS])
    book.save(tmp_path / "in.xlsx")
    bad = runner.invoke(app, ["ledger", "import", str(tmp_path / "in.xlsx")])
    assert bad.exit_code == 2 and "第 2 行「承办单位」" in bad.output and "未导入任何工单" in bad.output
    ok = runner.invoke(app, ["ledger", "import", str(tmp_path / "in.xlsx"), "--only-good"])
    assert ok.exit_code == 0 and "导入 1 行" in ok.output
    # the filters, and the refusals: each says what is wrong and writes nothing
    window = ["--from", "2000-01-01", "--to", "2000-01-31", "--unit", "DEMO-D1", "--status", "closed"]
    filtered = runner.invoke(app, ["ledger", "export", str(tmp_path / "f.csv"), *window])
    assert filtered.exit_code == 0, filtered.output
    assert len((tmp_path / "f.csv").read_text(encoding="utf-8-sig").strip().splitlines()) == 1  # the heading only
    refusals = {
        ("export", str(tmp_path / "l.txt")): ".xlsx 或 .csv",
        ("export", str(tmp_path / "d.csv"), "--from", "2026-13-01"): "--from 日期格式",
        ("export", str(tmp_path / "u.csv"), "--unit", "NOPE"): "单位编码 NOPE 不存在",
        ("import", str(tmp_path / "missing.xlsx")): "文件不存在",
    }
    for args, message in refusals.items():
        refused = runner.invoke(app, ["ledger", *args])
        assert refused.exit_code == 2 and message in refused.output, (args, refused.output)
    assert not any((tmp_path / name).exists() for name in ("l.txt", "d.csv", "u.csv"))


def test_a_row_that_fails_while_replaying_undoes_the_whole_file_unless_only_good(db, city):
    from lianxin.defaults import category_by_path

    category_by_path(db, city.jid, "城乡建设/市政设施/路灯故障").active = False  # validation passes, intake refuses
    rows = [good_row(问题分类=""), good_row(受理时间="2026-02-03 09:00")]
    report = import_ledger(db, city.jid, rows)
    assert report.imported == [] and [(e.row, e.column) for e in report.errors] == [(3, "—")]
    assert "问题分类" in report.errors[0].message_zh
    assert db.scalar(select(Appeal).where(Appeal.appellant_phone == "13900139000")) is None
    good = import_ledger(db, city.jid, rows, only_good=True)
    assert len(good.imported) == 1 and good.bad_rows == [3]
