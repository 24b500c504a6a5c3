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
from tests.web.conftest import csrf_from, login

MARCH = {"start": "2026-03-01", "end": "2026-03-31"}


def sign_in(client, city, key):
    login(client, city.users[key].username, PASSWORD)


def options(html: str) -> dict[str, dict]:
    found = re.findall(r'id="chart-(\w+)" data-option="([^"]*)"', html)
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
    bad = client.post(f"/appeals/{appeal.order_no}/exclusion", data={"reason": "malicious", "explanation": "短"},
                      headers={"X-CSRF-Token": token, "HX-Request": "true"})
    assert bad.status_code == 200 and "field-error" in bad.text and exclusions_of(db, appeal) == []
    ok = client.post(f"/appeals/{appeal.order_no}/exclusion", data={"reason": "malicious", "explanation": "诉求人反复提出无理要求"},
                     headers={"X-CSRF-Token": token})
    assert ok.status_code == 200 and "待审核" in ok.text and "申请剔除</button>" not in ok.text
    [request] = exclusions_of(db, appeal)
    client.post("/logout", data={"csrf_token": token})
    sign_in(client, city, "dispatcher")
    token = csrf_from(client, f"/appeals/{appeal.order_no}/exclusion")
    refused = client.post(f"/appeals/{appeal.order_no}/exclusion/{request.id}/decision", data={"approve": "no"},
                          headers={"X-CSRF-Token": token})
    assert refused.status_code == 422 and request.state == ExclusionState.PENDING
    approved = client.post(f"/appeals/{appeal.order_no}/exclusion/{request.id}/decision", data={"approve": "yes"},
                           headers={"X-CSRF-Token": token})
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
    book.active.append(["1", "", "2026-02-02 09:00", "李四", "13900139000", "路灯不亮已经一周了", "", "和平街道", "",
                        "", "办理中", ""])
    book.active.append(["2", "", "2026-02-02 10:00", "王五", "139****9000", "路灯不亮已经一周了", "", "", "", "", "已受理", ""])
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
    wrong = client.post("/ledger/import", files={"file": ("x.pdf", b"%PDF", "application/pdf")}, data={"csrf_token": token})
    assert wrong.status_code == 422 and ".xlsx" in wrong.text
