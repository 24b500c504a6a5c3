"""Dashboard, ranking, supervision, exclusion partial and ledger pages through the real app."""

from __future__ import annotations

import io
import json
import re
from html import unescape

from openpyxl import Workbook, load_workbook
from sqlalchemy import select

from lianxin.appeals.models import Appeal
from lianxin.assessment.choices import ExclusionState
from lianxin.assessment.exclusions import exclusions_of
from lianxin.ledger.export import COLUMNS
from tests.assessment.scenario import build, handle
from tests.factories import PASSWORD
from tests.helpers import csrf_from, login

MARCH = {"start": "2026-03-01", "end": "2026-03-31"}


def sign_in(client, city, key):
    login(client, city.users[key].username, PASSWORD)


def options(html: str) -> dict[str, dict]:
    found = re.findall(r'id="chart-(\w+)" data-chart="([^"]*)"', html)
    return {name: json.loads(unescape(value)) for name, value in found}


def test_dashboard_draws_four_charts_with_png_export_and_a_hotspot_slot(client, db, city, clock):
    build(db, city, clock)
    sign_in(client, city, "leader")
    page = client.get("/leader/dashboard", params=MARCH | {"bucket": "week"})
    assert page.status_code == 200
    charts = options(page.text)
    assert set(charts) == {"trend", "rates", "categories", "overdue"}
    assert all("saveAsImage" in c["toolbox"]["feature"] for c in charts.values())
    assert sum(charts["trend"]["series"][0]["data"]) == 8
    assert charts["rates"]["xAxis"]["data"] == ["东城区", "市住房和城乡建设委员会", "自来水集团"]
    assert 'data-slot="hotspots"' in page.text and "echarts.min.js" in page.text
    street = client.get("/leader/dashboard", params=MARCH | {"unit": city.units["district"].id})
    assert options(street.text)["rates"]["xAxis"]["data"] == ["和平街道", "安定街道", "区城市管理委员会"]


def test_dashboard_is_scoped_and_staff_only(client, db, city, clock):
    assert client.get("/leader/dashboard", follow_redirects=False).status_code == 303
    sign_in(client, city, "district_leader")
    assert client.get("/leader/dashboard", params={"unit": city.units["housing"].id}).status_code == 403
    assert client.get("/leader/dashboard", params={"start": "yesterday"}).status_code == 422
    client.post("/logout", data={"csrf_token": csrf_from(client, "/leader/dashboard")})
    sign_in(client, city, "street_handler")
    assert client.get("/leader/dashboard").status_code == 403


def test_monthly_ranking_page_and_report_downloads(client, db, city, clock):
    build(db, city, clock)
    sign_in(client, city, "dispatcher")
    page = client.get("/assessment/monthly", params={"month": "2026-03", "kind": "street"})
    assert page.status_code == 200 and "安定街道" in page.text and "60.5%" in page.text
    html = client.get("/assessment/monthly/report.html", params={"month": "2026-03"})
    assert html.status_code == 200 and "考评月报" in html.text
    xlsx = client.get("/assessment/monthly/report.xlsx", params={"month": "2026-03"})
    assert load_workbook(io.BytesIO(xlsx.content)).sheetnames[1] == "街道、乡镇"
    assert client.get("/assessment/monthly", params={"month": "2026-3x"}).status_code == 422
    assert client.get("/assessment/monthly/report.pdf").status_code == 404


def test_supervision_page_lists_supervised_appeals(client, db, city, clock):
    from lianxin.appeals.service import dispatch_appeal
    from lianxin.appeals.supervision import supervise_appeal
    from tests.factories import new_appeal

    appeal = new_appeal(db, city, title="井盖缺失")
    dispatch_appeal(db, appeal, city.units["street"], actor=city.users["dispatcher"])
    supervise_appeal(db, appeal, actor=city.users["dispatcher"], note="限期办结", listed=True)
    sign_in(client, city, "district_leader")
    page = client.get("/leader/supervision")
    assert page.status_code == 200 and appeal.order_no in page.text and "挂牌督办" in page.text


def test_exclusion_partial_request_then_decision(client, db, city, clock):
    appeal = handle(db, city, clock, visit=(True, False, "dissatisfied"), unreasonable=True)
    sign_in(client, city, "street_handler")
    partial = client.get(f"/appeals/{appeal.order_no}/exclusion")
    assert partial.status_code == 200 and "申请剔除" in partial.text
    token = csrf_from(client, f"/appeals/{appeal.order_no}/exclusion")
    bad = client.post(
        f"/appeals/{appeal.order_no}/exclusion",
        data={"reason": "malicious", "explanation": "短"},
        headers={"X-CSRF-Token": token, "HX-Request": "true"},
    )
    assert bad.status_code == 200 and "field-error" in bad.text and exclusions_of(db, appeal) == []
    ok = client.post(
        f"/appeals/{appeal.order_no}/exclusion",
        data={"reason": "malicious", "explanation": "诉求人反复提出无理要求"},
        headers={"X-CSRF-Token": token},
    )
    assert ok.status_code == 200 and "待审核" in ok.text and "申请剔除</button>" not in ok.text
    [request] = exclusions_of(db, appeal)
    client.post("/logout", data={"csrf_token": token})
    sign_in(client, city, "dispatcher")
    token = csrf_from(client, f"/appeals/{appeal.order_no}/exclusion")
    refused = client.post(
        f"/appeals/{appeal.order_no}/exclusion/{request.id}/decision",
        data={"approve": "no"},
        headers={"X-CSRF-Token": token},
    )
    assert refused.status_code == 422 and request.state == ExclusionState.PENDING
    approved = client.post(
        f"/appeals/{appeal.order_no}/exclusion/{request.id}/decision",
        data={"approve": "yes"},
        headers={"X-CSRF-Token": token},
    )
    assert approved.status_code == 200 and "已剔除出考评" in approved.text
    assert request.state == ExclusionState.APPROVED


def test_ledger_export_and_import_pages(client, db, city, clock):
    build(db, city, clock)
    sign_in(client, city, "street2_handler")
    export = client.get("/ledger/export", params=MARCH)
    rows = list(load_workbook(io.BytesIO(export.content)).active.iter_rows(values_only=True))
    assert list(rows[0]) == COLUMNS and len(rows) == 2  # only 安定街道's appeal
    csv_text = client.get("/ledger/export", params=MARCH | {"fmt": "csv"}).content.decode("utf-8-sig")
    assert csv_text.splitlines()[0] == ",".join(COLUMNS)
    page = client.get("/ledger")
    assert page.status_code == 200 and "导入历史工单" not in page.text  # handlers export only
    client.post("/logout", data={"csrf_token": csrf_from(client, "/ledger")})
    sign_in(client, city, "dispatcher")
    book = Workbook()
    book.active.append(COLUMNS)
    book.active.append(
        ["1", "", "2026-02-02 09:00", "李四", "13900139000", "路灯不亮已经一周了", "", "和平街道", "", "", "办理中", ""]
    )
    book.active.append(
        ["2", "", "2026-02-02 10:00", "王五", "139****9000", "路灯不亮已经一周了", "", "", "", "", "已受理", ""]
    )
    data = io.BytesIO()
    book.save(data)
    token = csrf_from(client, "/ledger")
    files = {"file": ("old.xlsx", data.getvalue(), "application/octet-stream")}
    refused = client.post("/ledger/import", files=files, data={"csrf_token": token})
    assert refused.status_code == 422 and "脱敏" in refused.text
    assert db.scalar(select(Appeal).where(Appeal.appellant_phone == "13900139000")) is None
    done = client.post("/ledger/import", files=files, data={"csrf_token": token, "only_good": "yes"})
    assert done.status_code == 200 and "导入 1 行" in done.text
    assert db.scalar(select(Appeal).where(Appeal.appellant_phone == "13900139000")).status == "in_progress"
    wrong = client.post(
        "/ledger/import", files={"file": ("x.pdf", b"%PDF", "application/pdf")}, data={"csrf_token": token}
    )
    assert wrong.status_code == 422 and ".xlsx" in wrong.text


def test_dashboard_shows_the_latest_hotspot_snapshot(client, db, city, clock):
    from datetime import timedelta

    from lianxin.clock import utcnow
    from lianxin.hotspots.models import Hotspot, HotspotSnapshot

    sign_in(client, city, "leader")
    assert "暂无热点快照" in client.get("/leader/dashboard").text
    now = utcnow()
    snapshot = HotspotSnapshot(
        jurisdiction_id=city.jid,
        unit_id=None,
        since=now - timedelta(days=90),
        until=now,
        computed_at=now,
        appeal_count=3,
    )
    snapshot.hotspots = [
        Hotspot(
            jurisdiction_id=city.jid,
            rank=1,
            heat=12.5,
            start_at=now,
            end_at=now,
            place="和平里小区",
            description="路灯长期不亮",
            terms=["路灯"],
            appeal_ids=[1, 2, 3],
            stats={},
            trend=[],
            points=[],
        )
    ]
    db.add(snapshot)
    db.flush()
    page = client.get("/leader/dashboard").text
    assert "和平里小区" in page and "路灯长期不亮" in page and "12.5" in page


def test_an_admin_changes_weights_and_thresholds_on_the_settings_page_and_the_change_is_logged(client, db, city):
    from lianxin.assessment.models import AssessmentSettingsChange
    from lianxin.assessment.service import get_settings_row

    sign_in(client, city, "leader")
    assert client.get("/assessment/settings", follow_redirects=False).status_code in (303, 403)
    client.cookies.clear()
    sign_in(client, city, "admin")
    page = client.get("/assessment/settings")
    assert page.status_code == 200 and "响应率权重" in page.text and 'name="supervise_reopen_count"' in page.text
    assert 'href="/assessment/settings"' in client.get("/staff/admin").text
    form = {
        "csrf_token": csrf_from(client, "/assessment/settings"),
        "weight_response": "0.2",
        "weight_resolution": "0.4",
        "weight_satisfaction": "0.4",
        "basic_satisfied_weight": "0.8",
        "red_list_size": "5",
        "black_list_size": "3",
        "black_list_below": "0.8",
        "min_valid_visits": "1",
        "supervise_overdue_working_days": "2",
        "supervise_reopen_count": "1",
        "list_repeat_count": "3",
        "note": "区委考核办通知调整",
    }
    # weights that do not sum to 1, or a threshold that is not a number: refused next to the field, nothing saved
    bad = client.post("/assessment/settings", data=form | {"weight_response": "0.5"})
    assert bad.status_code == 422 and "合计为 1" in bad.text and 'value="0.5"' in bad.text
    bad = client.post("/assessment/settings", data=form | {"supervise_reopen_count": "两次"})
    assert bad.status_code == 422 and 'id="supervise_reopen_count-error"' in bad.text
    row = get_settings_row(db, city.jid)
    assert (row.weight_response, row.supervise_reopen_count) == (0.1, 2)
    assert (
        db.scalars(select(AssessmentSettingsChange).where(AssessmentSettingsChange.jurisdiction_id == city.jid)).all()
        == []
    )

    saved = client.post("/assessment/settings", data=form, follow_redirects=False)
    assert saved.status_code == 303
    db.refresh(row)
    assert (row.weight_response, row.weight_resolution, row.basic_satisfied_weight) == (0.2, 0.4, 0.8)
    assert (row.red_list_size, row.supervise_overdue_working_days, row.supervise_reopen_count) == (5, 2, 1)
    [change] = db.scalars(
        select(AssessmentSettingsChange).where(AssessmentSettingsChange.jurisdiction_id == city.jid)
    ).all()
    assert change.changed_by_id == city.users["admin"].id and change.note == "区委考核办通知调整"
    assert change.changes["weight_response"] == [0.1, 0.2] and change.changes["supervise_reopen_count"] == [2, 1]
    assert "weight_satisfaction" not in change.changes  # only what changed
    log = client.get("/assessment/settings?saved=1").text
    assert "已保存" in log and "0.1 → 0.2" in log and "区委考核办通知调整" in log
    english = client.get("/assessment/settings?lang=en").text
    assert "Weight of the response rate" in english and "Change log" in english
