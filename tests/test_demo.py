"""The demo city: units and staff, users for every role, appeals in every status with a clean history."""

from __future__ import annotations

import re
from collections import Counter
from datetime import UTC, datetime
from importlib.resources import files

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lianxin.appeals.choices import RequestKind, RequestState, UnitRole
from lianxin.appeals.models import Appeal, AppealEvent, AppealRequest, AppealUnit, Category
from lianxin.appeals.status import HANDLING, SUBMITTED, AppealStatus
from lianxin.clock import local_zone
from lianxin.defaults import parse_category_outline
from lianxin.demo import CITY_CODE, DemoExists, build_demo, builtin_texts, categorise, load_texts
from lianxin.notify import Notification
from lianxin.orgs.models import GridPosition, GridStaff, Jurisdiction, Role, RoleGrant, Unit, UnitKind, User
from lianxin.orgs.service import verify_password
from lianxin.visits.models import ReturnVisit, VisitState
from tests.factories import build_city

APPEALS = 300


@pytest.fixture(scope="module")
def demo(engine, settings, tmp_path_factory):
    """One demo city for the whole module, built from the built-in texts (``demo_data_dir`` is an empty
    folder) inside an outer transaction that is rolled back afterwards, like the ``db`` fixture."""
    connection = engine.connect()
    outer = connection.begin()
    session = Session(
        bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False, info={"settings": settings}
    )
    empty = settings.model_copy(update={"demo_data_dir": tmp_path_factory.mktemp("no-teddy")})
    try:
        report = build_demo(session, empty, appeals=APPEALS, days=90, seed=7)
        jid = session.scalar(select(Jurisdiction.id).where(Jurisdiction.code == "default"))
        yield session, report, jid
    finally:
        session.close()
        outer.rollback()
        connection.close()


def _appeals(session: Session, jid: int) -> list[Appeal]:
    """The demo city's residents' appeals (not the care module's sensor work orders, which come on top)."""
    return session.scalars(
        select(Appeal).where(Appeal.jurisdiction_id == jid, Appeal.channel != "sensor").order_by(Appeal.id)
    ).all()


def _counts(session: Session) -> dict[str, int]:
    tables = (Unit, User, GridStaff, Appeal, AppealEvent, AppealRequest, ReturnVisit, Notification)
    return {model.__name__: session.scalar(select(func.count()).select_from(model)) for model in tables}


def test_the_unit_tree_has_districts_streets_communities_grids_departments_and_utilities(demo):
    session, _, jid = demo
    units = session.scalars(select(Unit).where(Unit.jurisdiction_id == jid)).all()
    kinds = Counter(u.kind for u in units)
    assert kinds == {
        UnitKind.CENTRE: 1,
        UnitKind.CITY: 1,
        UnitKind.DISTRICT: 2,
        UnitKind.STREET: 6,
        UnitKind.COMMUNITY: 18,
        UnitKind.GRID: 36,
        UnitKind.DEPARTMENT: 12,
        UnitKind.ENTERPRISE: 4,
    }
    by_id = {u.id: u for u in units}
    for unit in units:
        parent_kind = by_id[unit.parent_id].kind if unit.parent_id else None
        expected = {
            UnitKind.DISTRICT: UnitKind.CITY,
            UnitKind.STREET: UnitKind.DISTRICT,
            UnitKind.COMMUNITY: UnitKind.STREET,
            UnitKind.GRID: UnitKind.COMMUNITY,
        }.get(unit.kind, parent_kind)
        assert parent_kind == expected, unit
    streets = [u.name for u in units if u.kind == UnitKind.STREET]
    assert any(n.endswith("街道") for n in streets) and any(n.endswith(("镇", "乡")) for n in streets)
    communities = [u.name for u in units if u.kind == UnitKind.COMMUNITY]
    assert any(n.endswith("社区") for n in communities) and any(n.endswith("村") for n in communities)
    for district in (u for u in units if u.kind == UnitKind.DISTRICT):
        assert sum(1 for u in units if u.parent_id == district.id and u.kind == UnitKind.STREET) == 3
    assert {u.utility for u in units if u.kind == UnitKind.ENTERPRISE} == {"water", "power", "gas", "heat"}
    department_names = "".join(u.name for u in units if u.kind == UnitKind.DEPARTMENT)
    for word in (
        "住房和城乡建设",
        "城市管理",
        "交通",
        "生态环境",
        "市场监督",
        "人力资源",
        "教育",
        "卫生健康",
        "民政",
        "水务",
        "园林",
    ):
        assert word in department_names


def test_every_grid_has_staff_with_plausible_phones(demo):
    session, _, jid = demo
    grids = session.scalars(select(Unit.id).where(Unit.jurisdiction_id == jid, Unit.kind == UnitKind.GRID)).all()
    staff = session.scalars(select(GridStaff).where(GridStaff.jurisdiction_id == jid)).all()
    by_grid = Counter((s.grid_id, s.position) for s in staff)
    for grid in grids:
        assert by_grid[(grid, GridPosition.GRID_WORKER)] == 1
        assert by_grid[(grid, GridPosition.BUILDING_HEAD)] >= 1
    assert {s.position for s in staff} == set(GridPosition)
    assert all(re.fullmatch(r"1[3-9]\d{9}", s.phone) and 2 <= len(s.name) <= 3 for s in staff)
    logged_in = [s for s in staff if s.user_id is not None]
    assert logged_in and all(s.position == GridPosition.GRID_WORKER for s in logged_in)


def test_there_are_users_for_every_role_sharing_the_reported_password(demo):
    session, report, jid = demo
    grants = session.execute(
        select(RoleGrant.role, Unit).join(Unit, RoleGrant.unit_id == Unit.id).where(Unit.jurisdiction_id == jid)
    ).all()
    assert {role for role, _ in grants} == set(Role)
    handled = {unit.id for role, unit in grants if role == Role.HANDLER}
    must_handle = session.scalars(
        select(Unit.id).where(
            Unit.jurisdiction_id == jid, Unit.kind.in_((UnitKind.STREET, UnitKind.DEPARTMENT, UnitKind.ENTERPRISE))
        )
    ).all()
    assert set(must_handle) <= handled
    assert sum(1 for role, unit in grants if role == Role.HANDLER and unit.kind == UnitKind.COMMUNITY) >= 3
    leaders = {unit.kind for role, unit in grants if role == Role.LEADER}
    assert leaders == {UnitKind.CITY, UnitKind.DISTRICT}
    password = re.search(r"password: (\S+)", report).group(1)
    users = session.scalars(select(User).where(User.jurisdiction_id == jid)).all()
    admin = next(u for u in users if u.username == "admin")
    assert verify_password(admin, password)
    assert all(u.username in report for u in users)
    assert "handler.d1-s1" in report and "dispatcher1" in report


def test_every_status_appears_and_the_report_counts_them(demo):
    session, report, jid = demo
    appeals = _appeals(session, jid)
    assert len(appeals) == APPEALS
    statuses = Counter(AppealStatus(a.status) for a in appeals)
    assert set(statuses) == set(AppealStatus)
    assert statuses[AppealStatus.CLOSED] > APPEALS / 2  # most of the older ones are done
    for status, count in statuses.items():
        assert re.search(rf"{status.value}\s+{count}\b", report)
    assert "department 12" in report and "enterprise 4" in report and "community 18" in report


def test_no_event_is_in_the_future_and_each_history_starts_with_submission_in_time_order(demo):
    session, _, jid = demo
    now = datetime.now(UTC)
    events = session.execute(
        select(AppealEvent.appeal_id, AppealEvent.kind, AppealEvent.at)
        .join(Appeal, Appeal.id == AppealEvent.appeal_id)
        .where(AppealEvent.jurisdiction_id == jid, Appeal.channel != "sensor")
        .order_by(AppealEvent.appeal_id, AppealEvent.id)
    ).all()
    history: dict[int, list] = {}
    for appeal_id, kind, at in events:
        history.setdefault(appeal_id, []).append((kind, at))
    assert len(history) == APPEALS
    for steps in history.values():
        assert steps[0][0] == SUBMITTED
        times = [at for _, at in steps]
        assert times == sorted(times) and times[-1] <= now
    for appeal in _appeals(session, jid):
        received = appeal.received_at.astimezone(local_zone())
        assert appeal.order_no.startswith(received.strftime("%Y%m%d"))  # numbered on the day it came in
        assert (now - appeal.received_at).days < 90
    notified = session.scalar(select(func.max(Notification.created_at)).where(Notification.jurisdiction_id == jid))
    assert notified <= now


def test_closed_appeals_were_visited_and_replied_ones_wait_for_a_visit(demo):
    session, _, jid = demo
    visits = session.scalars(select(ReturnVisit).where(ReturnVisit.jurisdiction_id == jid)).all()
    done = {v.appeal_id for v in visits if v.state == VisitState.DONE and v.satisfaction is not None}
    pending = {v.appeal_id for v in visits if v.state == VisitState.PENDING}
    for appeal in _appeals(session, jid):
        if appeal.status == AppealStatus.CLOSED:
            assert appeal.id in done and appeal.satisfaction is not None and appeal.reply_text
        if appeal.status == AppealStatus.REPLIED:
            assert appeal.id in pending
    assert {v.satisfaction for v in visits if v.satisfaction} >= {"satisfied", "basically_satisfied", "dissatisfied"}


def test_the_side_flows_happen_with_real_requests_and_events(demo):
    session, _, jid = demo
    appeals = _appeals(session, jid)
    kinds = Counter(session.scalars(select(AppealEvent.kind).where(AppealEvent.jurisdiction_id == jid)))
    for kind in (
        "answered",
        "not_accepted",
        "dispatched",
        "redispatched",
        "signed",
        "contacted",
        "return_requested",
        "return_approved",
        "return_rejected",
        "extension_requested",
        "urged",
        "replied",
        "visited",
        "reopened",
        "closed",
        "merged",
        "main_replied",
        "terminated",
        "deferred",
        "reported",
    ):
        assert kinds[kind] > 0, kind
    requests = session.scalars(select(AppealRequest).where(AppealRequest.jurisdiction_id == jid)).all()
    decided = {(r.kind, r.state) for r in requests}
    assert (RequestKind.RETURN, RequestState.APPROVED) in decided or (
        RequestKind.OBJECTION,
        RequestState.APPROVED,
    ) in decided
    assert any(state == RequestState.REJECTED for kind, state in decided if kind != RequestKind.EXTENSION)
    assert any(a.reopen_count for a in appeals)
    assert all(a.merged_into_id for a in appeals if a.status == AppealStatus.MERGED)
    assert all(a.not_accepted_reason for a in appeals if a.status == AppealStatus.NOT_ACCEPTED)
    assert all(a.defer_plan and a.defer_target_date for a in appeals if a.status == AppealStatus.DEFERRED)
    now = datetime.now(UTC)
    overdue = [a for a in appeals if a.status in HANDLING and a.due_at < now]
    assert overdue and all(a.overdue_at is None for a in overdue)  # left for the overdue job
    units = session.scalars(select(AppealUnit).where(AppealUnit.jurisdiction_id == jid)).all()
    assert {u.role for u in units} >= {UnitRole.LEAD, UnitRole.CO}


def test_appeals_go_to_a_sensible_unit_for_their_category_and_place(demo):
    session, _, jid = demo
    units = {u.id: u for u in session.scalars(select(Unit).where(Unit.jurisdiction_id == jid))}
    categories = {c.id: c for c in session.scalars(select(Category).where(Category.jurisdiction_id == jid))}

    def path(category_id):
        names = []
        while category_id:
            names.append(categories[category_id].name)
            category_id = categories[category_id].parent_id
        return "/".join(reversed(names))

    utilities = {"公共服务/供水": "water", "公共服务/供电": "power", "公共服务/供气": "gas", "公共服务/供热": "heat"}
    checked = Counter()
    for appeal in _appeals(session, jid):
        if appeal.lead_unit_id is None or appeal.designated:
            continue
        lead, where = units[appeal.lead_unit_id], path(appeal.category_id)
        utility = next((u for prefix, u in utilities.items() if where.startswith(prefix)), None)
        if utility:
            assert lead.utility == utility, (appeal.title, where, lead.name)
            checked["utility"] += 1
        elif where.startswith(("城乡建设/市政设施", "城乡建设/违法建设", "环境保护/环境卫生")):
            community = units[appeal.community_id]
            assert lead.id in (community.id, community.parent_id), (appeal.title, where, lead.name)
            checked["local"] += 1
        elif where.startswith("劳动和社会保障"):
            assert "人力资源" in lead.name
            checked["department"] += 1
    assert checked["utility"] and checked["local"] and checked["department"]
    for appeal in _appeals(session, jid):
        assert units[appeal.grid_id].parent_id == appeal.community_id


def test_without_teddy_data_the_built_in_texts_are_used(demo):
    session, report, jid = demo
    titles = {text.title for text in builtin_texts()}
    assert len(titles) >= 30
    assert all(appeal.title in titles for appeal in _appeals(session, jid))
    assert "built-in" in report


def test_a_second_build_is_refused_and_changes_nothing(demo):
    session, _, _ = demo
    before = _counts(session)
    with pytest.raises(DemoExists) as raised:
        build_demo(session, session.info["settings"], appeals=10)
    assert CITY_CODE in str(raised.value) and "已存在" in str(raised.value)
    assert _counts(session) == before


def test_the_demo_and_other_jurisdictions_live_side_by_side(demo):
    session, _, jid = demo
    before = _counts(session)
    city = build_city(session)  # what the other tests use: ensure_defaults(code="testN")
    assert city.jid != jid
    assert session.scalar(select(func.count(Unit.id)).where(Unit.jurisdiction_id == jid)) == 80
    assert _counts(session)["Appeal"] == before["Appeal"]


def _category_paths() -> set[str]:
    outline = parse_category_outline(files("lianxin.data").joinpath("categories.txt").read_text(encoding="utf-8"))
    paths, parents = set(), {}
    for level, name in outline:
        parents[level] = f"{parents[level - 1]}/{name}" if level > 1 else name
        paths.add(parents[level])
    return paths


def test_built_in_texts_and_keyword_rules_point_into_the_default_category_tree():
    paths = _category_paths()
    texts = builtin_texts()
    assert all(t.title and len(t.content) >= 5 and len(t.reply) >= 5 and t.category in paths for t in texts)
    assert len({t.category.split("/")[0] for t in texts}) >= 8
    assert categorise("小区电梯又坏了，物业不管") == "城乡建设/物业管理/电梯故障"  # rules apply in file order
    assert categorise("楼下烧烤店油烟太大", "城乡建设") is None  # only rules within the label's first level
    assert categorise("小区停水三天", "城乡建设") == "公共服务/供水/停水"  # … and its allowed extras


def test_teddy_texts_fit_the_model_and_the_category_tree(settings):
    if not (settings.demo_data_dir / "appeals_train.csv").is_file():
        pytest.skip(f"teddy2020 data not found in {settings.demo_data_dir}")
    paths = _category_paths()
    labelled, replied, source = load_texts(settings.demo_data_dir)
    assert "teddy2020" in source and len(labelled) > 2000 and len(replied) > 500
    for text in labelled + replied:
        assert text.category in paths, text.category
        assert 5 <= len(text.content) <= 5000 and (text.title is None or len(text.title) <= 200)
    assert all(text.reply and len(text.reply) <= 5000 for text in replied)
    first_levels = {t.category.split("/")[0] for t in labelled}  # the 7 Teddy labels, utilities under 公共服务
    assert first_levels == {
        "城乡建设",
        "环境保护",
        "交通管理",
        "教育文体",
        "劳动和社会保障",
        "市场管理",
        "卫生计生",
        "公共服务",
    }


def test_every_area_unit_has_a_boundary_inside_its_parent_and_apart_from_its_siblings(demo):
    from shapely.geometry import shape

    from lianxin.geo.models import UnitArea

    session, _, jid = demo
    areas = {
        a.unit_id: shape(a.geometry) for a in session.scalars(select(UnitArea).where(UnitArea.jurisdiction_id == jid))
    }
    units = session.scalars(
        select(Unit).where(
            Unit.jurisdiction_id == jid,
            Unit.kind.in_((UnitKind.DISTRICT, UnitKind.STREET, UnitKind.COMMUNITY, UnitKind.GRID)),
        )
    ).all()
    assert {u.id for u in units} == set(areas)
    siblings: dict[int, list[int]] = {}
    for unit in units:
        siblings.setdefault(unit.parent_id, []).append(unit.id)
        if unit.parent_id in areas:
            assert areas[unit.parent_id].buffer(1e-9).contains(areas[unit.id]), unit.name
    for ids in siblings.values():
        for i, a in enumerate(ids):
            for b in ids[i + 1 :]:
                assert areas[a].intersection(areas[b]).area < 1e-12


def test_demo_appeals_lie_in_their_community_and_their_address_names_it(demo):
    from lianxin.geo.service import locate, locate_text

    session, _, jid = demo
    for appeal in _appeals(session, jid)[:80]:
        assert locate(session, jid, appeal.lat, appeal.lng).community.id == appeal.community_id, appeal.address
        assert locate_text(session, jid, appeal.address).community.id == appeal.community_id, appeal.address


def test_the_catalogue_suggests_the_demo_routes(demo):
    from lianxin.demo import LOCAL, ROUTE_PREFIXES, ROUTES
    from lianxin.dispatch.catalogue import suggest_units

    session, _, jid = demo
    paths = {}
    for category in session.scalars(select(Category).where(Category.jurisdiction_id == jid).order_by(Category.level)):
        paths[category.id] = f"{paths[category.parent_id]}/{category.name}" if category.parent_id else category.name
    for appeal in _appeals(session, jid)[:80]:
        path = paths.get(appeal.category_id, "")
        route = ROUTES[next(prefix for prefix in ROUTE_PREFIXES if path.startswith(prefix))]
        suggestion = suggest_units(session, appeal)
        expected = (
            appeal.community.parent
            if route == LOCAL
            else session.scalar(select(Unit).where(Unit.jurisdiction_id == jid, Unit.code == f"DEMO-{route}"))
        )
        assert suggestion.lead_unit == expected, (path, suggestion.reason_zh)
        assert suggestion.reason_zh and suggestion.reason_en


def test_the_demo_knowledge_base_answers_common_questions(demo):
    from lianxin.knowledge.service import list_entries, search_entries

    session, _, jid = demo
    assert len(list_entries(session, jid)) >= 30
    top = search_entries(session, jid, "家里停水了什么时候来水", today=datetime(2026, 3, 1).date())[0].entry
    assert "停水" in top.question and top.owner_unit.code == "DEMO-WATER"


def test_the_demo_city_publishes_open311_services_with_questions(demo):
    from lianxin.open311.service import list_services

    session, _, jid = demo
    with_questions = {s["service_name"] for s in list_services(session, jid) if s["metadata"]}
    assert {"路灯故障", "井盖缺失", "施工噪声", "社会生活噪声"} <= with_questions


def test_the_demo_trains_the_routing_model_so_intake_suggests_at_once(demo):
    from lianxin.routing.service import active_model, suggest_categories

    session, report, jid = demo
    model = active_model(session, jid)
    assert model is not None and model.n_samples > 50 and len(model.classes) >= 2
    assert f"routing model v{model.version}: {model.n_samples}" in report
    suggestions = suggest_categories(session, jid, "小区路灯不亮了，晚上很黑，请尽快维修")
    assert suggestions


def test_each_appeal_type_fits_its_text():
    from lianxin.appeals.choices import AppealType
    from lianxin.demo_data import type_for

    assert type_for("感谢和平社区帮忙修好了路灯", "社区工作人员当天就来修好了，特此表扬。") == AppealType.PRAISE
    assert type_for("养老金迟迟未发放，感谢", "退休三个月了养老金至今没有到账，请尽快解决，谢谢") != AppealType.PRAISE
    assert type_for("投诉物业，感谢", "物业拖欠维修") == AppealType.COMPLAINT
    assert type_for("感谢", "小区停水两天了，请尽快解决") != AppealType.PRAISE
    assert type_for("举报小区内违规经营", "") == AppealType.REPORT
    assert type_for("请问居住证如何办理", "") == AppealType.CONSULT
    assert type_for("路灯不亮", "晚上很黑，谢谢") is None  # nothing clear: the demo picks help or complaint


def test_no_demo_appeal_that_still_asks_for_something_is_filed_as_praise(demo):
    from lianxin.appeals.choices import AppealType
    from lianxin.demo_data import STILL_WRONG

    session, _, jid = demo
    praise = [a for a in _appeals(session, jid) if a.appeal_type == AppealType.PRAISE]
    assert all(not STILL_WRONG.search(f"{a.title} {a.content}") for a in praise)


def test_taken_texts_are_rewritten_to_the_demo_citys_places():
    from lianxin.demo_data import localise

    places = ("示例市", "临江区", "滨河街道", "春晖社区")
    text = "西地省A市A2区K1街道B3社区的路灯坏了，我们社区的居民出行不便；长沙市岳麓区也有类似问题，我们小区尤其严重"
    assert localise(text, *places) == (
        "示例市临江区滨河街道春晖社区的路灯坏了，我们春晖社区的居民出行不便；示例市临江区也有类似问题，我们小区尤其严重"
    )
    assert localise("我们村的路坏了", *places) == "我们村的路坏了"  # a 社区 is no 村
    assert localise("我们村的路坏了", "示例市", "云岭县", "石桥乡", "石桥村") == "我们石桥村的路坏了"
    assert localise(None, *places) is None
    assert localise(localise(text, *places), *places) == localise(text, *places)


def test_demo_appeals_name_no_other_citys_places(demo):
    from lianxin.demo_data import REAL_DISTRICTS

    session, _, jid = demo
    for appeal in _appeals(session, jid):
        text = f"{appeal.title} {appeal.content}"
        assert not re.search(r"[A-Z]\d*[市区县]", text) and not any(name in text for name in REAL_DISTRICTS)
