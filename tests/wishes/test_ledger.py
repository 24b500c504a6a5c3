"""The wish 台账: export (masked unless asked) and import with a row-by-row report, in code and via the CLI."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select
from typer.testing import CliRunner

from lianxin.cli import app
from lianxin.config import get_settings
from lianxin.db import make_engine, make_sessionmaker, session_scope
from lianxin.errors import InvalidInput
from lianxin.wishes.claims import claim_wish
from lianxin.wishes.ledger import COLUMNS, export_csv, export_xlsx, import_wishes, read_rows
from lianxin.wishes.models import Wish, WishEvent
from lianxin.wishes.service import publish_wish, register_wish
from lianxin.wishes.status import WishStatus as S
from tests.factories import build_city
from tests.helpers import migrated
from tests.wishes.conftest import later

PUBLIC = "一位独居老人希望每周有人上门陪伴聊天、读报。"


def row(**changes) -> dict[str, str]:
    base = {
        "社区": "和平社区",
        "网格": "和平社区第一网格",
        "来源": "网格走访",
        "类别": "陪伴关爱",
        "分类": "",
        "状态": "",
        "心愿内容": "老伴走后一个人住，希望每周有人来陪我说说话。",
        "公开内容": "",
        "姓名": "孙奶奶",
        "电话": "13711112222",
        "地址": "和平里5号楼",
    }
    return base | changes


def test_import_checks_every_row_and_reports_each_bad_one(db, city, party):
    rows = [
        row(),
        row(社区="不存在社区"),
        row(电话="137****2222", 心愿内容="想要一个助听器"),
        row(类别="买房", 状态="已确认"),
        row(状态="待认领", 分类="个人认领类", 电话="13711113333"),  # no public text
        row(网格="别的网格", 电话="13711114444"),
        row(),  # the same wish twice in one file
    ]
    report = import_wishes(db, city.jid, rows, actor=party.staff)
    assert report.imported == [] and report.bad_rows == [3, 4, 5, 6, 7, 8]
    columns = {(e.row, e.column) for e in report.errors}
    assert {
        (3, "社区"),
        (4, "电话"),
        (5, "类别"),
        (5, "状态"),
        (6, "公开内容"),
        (7, "网格"),
        (8, "心愿内容"),
    } <= columns
    assert "第 3 行「社区」" in str(report.errors[0])
    assert db.scalar(select(func.count()).select_from(Wish)) == 0  # nothing without --only-good

    good = import_wishes(db, city.jid, rows, actor=party.staff, only_good=True)
    assert len(good.imported) == 1
    wish = db.get(Wish, good.imported[0])
    assert (wish.status, wish.source, wish.grid_id) == (S.COLLECTED, "grid_visit", city.units["grid"].id)
    published = import_wishes(
        db,
        city.jid,
        [row(状态="待认领", 分类="个人认领类", 公开内容=PUBLIC, 电话="13711115555", 来源="")],
        actor=party.staff,
    )
    wish = db.get(Wish, published.imported[0])
    assert wish.status == S.PUBLISHED and wish.public_text == PUBLIC
    kinds = db.scalars(select(WishEvent.kind).where(WishEvent.wish_id == wish.id).order_by(WishEvent.id)).all()
    assert kinds == ["submitted", "register", "publish"]  # through the real verbs


def test_import_refuses_a_user_who_is_not_the_communitys_staff_and_a_verb_refusal_undoes_the_file(db, city, party):
    report = import_wishes(db, city.jid, [row()], actor=city.users["street2_handler"])
    assert [(e.row, e.column) for e in report.errors] == [(2, "社区")]
    leak = row(状态="待认领", 分类="共性类", 公开内容="孙奶奶希望有人每周来陪伴聊天", 电话="13711116666")
    rows = [row(), leak]
    report = import_wishes(db, city.jid, rows, actor=party.staff)
    assert report.imported == [] and [(e.row, e.column) for e in report.errors] == [(3, "—")]
    assert db.scalar(select(func.count()).select_from(Wish)) == 0
    assert len(import_wishes(db, city.jid, rows, actor=party.staff, only_good=True).imported) == 1


def test_export_masks_personal_data_unless_asked_and_reads_back(db, city, party, wish, clock, tmp_path):
    register_wish(db, wish, actor=party.staff, triage_class="individual")
    publish_wish(db, wish, actor=party.staff, public_text=PUBLIC)
    claim_wish(db, wish, member=party.member, promised_on=later(3))
    book = load_workbook(io.BytesIO(export_xlsx(db, city.jid)))
    sheet = book.active
    header, first = [c.value for c in sheet[1]], [c.value for c in sheet[2]]
    assert header == COLUMNS
    record = dict(zip(header, first))
    assert record["电话"] == "137****5678" and record["姓名"] == "赵**" and record["认领人"] == "李**"
    assert record["状态"] == "已认领" and record["公开内容"] == PUBLIC and not record["心愿内容"]
    open_ = list(csv.reader(io.StringIO(export_csv(db, city.jid, unmasked=True).decode("utf-8-sig"))))
    assert dict(zip(open_[0], open_[1]))["电话"] == "13712345678"
    assert len(list(csv.reader(io.StringIO(export_csv(db, city.jid, status=S.CLOSED).decode("utf-8-sig"))))) == 1
    # an unmasked export is a file the import reads (the same wish again is refused as a duplicate)
    (tmp_path / "w.csv").write_bytes(export_csv(db, city.jid, unmasked=True))
    rows = read_rows(tmp_path / "w.csv")
    assert rows[0]["#"] == "2" and rows[0]["电话"] == "13712345678"
    report = import_wishes(db, city.jid, rows, actor=party.staff)
    assert [(e.row, e.column) for e in report.errors] == [(2, "状态"), (2, "心愿内容")]


def test_read_rows_refuses_other_files(tmp_path):
    (tmp_path / "x.txt").write_text("hello")
    (tmp_path / "x.csv").write_text("社区,类别\n和平社区,陪伴关爱\n", encoding="utf-8")
    (tmp_path / "e.csv").write_text("", encoding="utf-8")
    (tmp_path / "x.xlsx").write_text("not a workbook")
    for name, words in (("x.txt", ".xlsx"), ("x.csv", "心愿内容"), ("e.csv", "为空"), ("x.xlsx", "有效")):
        with pytest.raises(InvalidInput) as caught:
            read_rows(tmp_path / name)
        assert words in caught.value.message_zh


@pytest.fixture
def cli_env(scratch_settings, monkeypatch, tmp_path):
    monkeypatch.setenv("LIANXIN_DATABASE_URL", scratch_settings.database_url)
    monkeypatch.setenv("LIANXIN_NOTIFY_SENDER", "file")
    monkeypatch.setenv("LIANXIN_NOTIFY_FILE", str(tmp_path / "outbox.jsonl"))
    get_settings.cache_clear()
    migrated(scratch_settings)
    with session_scope(make_sessionmaker(make_engine(scratch_settings), scratch_settings)) as session:
        city = build_city(session, code="default")
        handler = city.users["grid_worker"].username
    yield handler
    get_settings.cache_clear()


def test_the_cli_imports_with_a_report_and_exports(cli_env, tmp_path):
    runner = CliRunner()
    book = Workbook()
    sheet = book.active
    sheet.append(list(row()))
    sheet.append(list(row().values()))
    sheet.append(list(row(社区="不存在社区", 电话="13711119999").values()))
    sheet.append([None] * len(row()))  # a blank row is skipped
    book.save(tmp_path / "in.xlsx")
    bad = runner.invoke(app, ["wishes", "import", str(tmp_path / "in.xlsx"), "--user", cli_env])
    assert bad.exit_code == 2 and "第 3 行「社区」" in bad.output and "未导入任何心愿" in bad.output
    ok = runner.invoke(app, ["wishes", "import", str(tmp_path / "in.xlsx"), "--user", cli_env, "--only-good"])
    assert ok.exit_code == 0 and "导入 1 行" in ok.output, ok.output
    nobody = runner.invoke(app, ["wishes", "import", str(tmp_path / "in.xlsx"), "--user", "nobody"])
    assert nobody.exit_code == 2 and "不存在" in nobody.output
    missing = runner.invoke(app, ["wishes", "import", str(tmp_path / "none.xlsx"), "--user", cli_env])
    assert missing.exit_code == 2
    (tmp_path / "x.txt").write_text("x")
    assert runner.invoke(app, ["wishes", "import", str(tmp_path / "x.txt"), "--user", cli_env]).exit_code == 2

    out = runner.invoke(app, ["wishes", "export", str(tmp_path / "out.xlsx")])
    assert out.exit_code == 0, out.output
    assert load_workbook(tmp_path / "out.xlsx").active.max_row == 2
    assert runner.invoke(app, ["wishes", "export", str(tmp_path / "out.csv"), "--status", "collected"]).exit_code == 0
    assert (
        runner.invoke(app, ["wishes", "export", str(tmp_path / "o.csv"), "--community", "default-community"]).exit_code
        == 0
    )
    assert runner.invoke(app, ["wishes", "export", str(tmp_path / "o.csv"), "--community", "nope"]).exit_code == 2
    assert runner.invoke(app, ["wishes", "export", str(tmp_path / "o.csv"), "--status", "bogus"]).exit_code == 2
    assert runner.invoke(app, ["wishes", "export", str(tmp_path / "o.pdf")]).exit_code == 2
