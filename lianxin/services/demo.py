"""``lianxin demo``: a believable catalogue (real-looking items of the demo city's departments and utilities),
the two bundles of the seeds (出生一件事; 二手房过户 + 水电气联办), a service centre open on some holidays,
and residents' applications, an authorised relative, bookings and ratings (no 差评: it would open a work order
among the demo's appeals, whose number the demo promises)."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from lianxin.clock import local_zone
from lianxin.geo.models import PlaceKind
from lianxin.geo.service import add_place
from lianxin.orgs.models import Role, Unit, UnitKind
from lianxin.residents.models import ResidentAccount
from lianxin.services import appointments as ap
from lianxin.services import catalogue, ratings
from lianxin.services import service as svc
from lianxin.services import windows as win
from lianxin.services.models import ServiceItem
from lianxin.sla.service import get_calendar

PERSON = [
    {"name": "name", "zh": "申请人姓名", "en": "Applicant's name"},
    {"name": "id_no", "zh": "身份证号", "en": "ID number"},
]
ADDRESS = {"name": "address", "zh": "住址", "en": "Address"}
BABY = [
    {"name": "baby_name", "zh": "新生儿姓名", "en": "Baby's name"},
    {"name": "born_on", "zh": "出生日期", "en": "Date of birth"},
    {"name": "hospital", "zh": "出生医院", "en": "Hospital"},
]
# code, name, department code, kind, channels, legal, promised, documents, fees, eligibility, extra fields
ITEMS = [
    (
        "WJ-0101",
        "出生医学证明办理",
        "WJW",
        "confirmation",
        "window,online,mobile",
        10,
        1,
        "父母双方身份证;结婚证;住院病历",
        "不收费",
        "在本市医疗机构出生的新生儿",
        BABY,
    ),
    (
        "WJ-0102",
        "预防接种证办理",
        "WJW",
        "public_service",
        "window,online,mobile",
        5,
        1,
        "出生医学证明;监护人身份证",
        "不收费",
        "本市出生或居住的儿童",
        BABY,
    ),
    (
        "RS-0201",
        "新生儿城乡居民医保参保登记",
        "RSJ",
        "public_service",
        "window,online,mobile",
        10,
        3,
        "出生医学证明;户口簿",
        "按年度缴费标准",
        "本市户籍新生儿",
        BABY,
    ),
    (
        "RS-0202",
        "社会保障卡申领",
        "RSJ",
        "public_service",
        "window,online,mobile,self_service",
        20,
        5,
        "身份证或户口簿;近期证件照",
        "首次申领不收费",
        "参加本市社会保险的人员",
        [],
    ),
    (
        "RS-0203",
        "灵活就业人员参保登记",
        "RSJ",
        "public_service",
        "window,online,mobile",
        15,
        3,
        "身份证",
        "不收费",
        "本市户籍或持居住证的灵活就业人员",
        [ADDRESS],
    ),
    (
        "ZJ-0301",
        "二手房不动产转移登记",
        "ZJW",
        "licence",
        "window,online",
        30,
        3,
        "买卖双方身份证;不动产权证书;存量房买卖合同;完税凭证",
        "登记费80元（住宅）",
        "依法取得不动产权且无查封抵押",
        [ADDRESS],
    ),
    (
        "SW-0401",
        "用水户名过户",
        "WATER",
        "public_service",
        "window,online,mobile",
        10,
        1,
        "不动产权证书;新户主身份证",
        "不收费",
        "房屋产权已转移",
        [ADDRESS],
    ),
    (
        "GD-0402",
        "用电户名过户",
        "POWER",
        "public_service",
        "window,online,mobile",
        10,
        1,
        "不动产权证书;新户主身份证",
        "不收费",
        "房屋产权已转移",
        [ADDRESS],
    ),
    (
        "RQ-0403",
        "燃气户名过户",
        "GAS",
        "public_service",
        "window,online,mobile,home_visit",
        10,
        2,
        "不动产权证书;新户主身份证;燃气缴费卡",
        "不收费",
        "房屋产权已转移",
        [ADDRESS],
    ),
    (
        "MZ-0501",
        "高龄津贴申领",
        "MZJ",
        "benefit",
        "window,online,mobile,home_visit",
        20,
        5,
        "身份证;户口簿;银行卡",
        "不收费",
        "年满80周岁的本市户籍老年人",
        [ADDRESS],
    ),
    (
        "MZ-0502",
        "居家养老服务补贴申请",
        "MZJ",
        "benefit",
        "window,online,home_visit",
        30,
        10,
        "身份证;户口簿;能力评估报告",
        "不收费",
        "本市户籍失能、半失能或低收入老年人",
        [ADDRESS],
    ),
    (
        "MZ-0503",
        "残疾人两项补贴申请",
        "MZJ",
        "benefit",
        "window,online",
        30,
        10,
        "身份证;残疾人证;户口簿",
        "不收费",
        "持第二代残疾人证的困难残疾人、重度残疾人",
        [ADDRESS],
    ),
    (
        "SC-0601",
        "个体工商户设立登记",
        "SCJG",
        "licence",
        "window,online,mobile",
        15,
        1,
        "经营者身份证;经营场所使用证明",
        "不收费",
        "有经营能力的自然人",
        [ADDRESS],
    ),
    (
        "CG-0701",
        "临时占用城市道路许可",
        "CGW",
        "licence",
        "window,online",
        20,
        5,
        "申请书;占道平面图;安全保障措施",
        "按占道面积和天数收取占道费",
        "因施工等确需临时占用道路",
        [ADDRESS],
    ),
]


def _holiday_openings(session: Session, jid: int, start) -> dict:
    """节假日预约: the centre opens on the mornings of the first two non-working days in the next fortnight."""
    calendar = get_calendar(session, jid)
    days = [start + timedelta(n) for n in range(1, 15) if not calendar.is_workday(start + timedelta(n))][:2]
    return {d.isoformat(): [["09:00", "12:00"]] for d in days}


def seed_demo(session: Session, city) -> None:
    jid, by = city.jid, city.by_code
    today = svc.today(city.now)
    centre = catalogue.create_location(
        session,
        place_id=_hall_place(session, jid),
        jurisdiction_id=jid,
        code="ZX",
        name=f"{by['DEMO-MZJ'].name[:-3]}市民服务中心",
        address="人民路 1 号（政务服务大厅一楼）",
        phone="12345",
        special_days=_holiday_openings(session, jid, today),
        slot_minutes=30,
        slot_capacity=3,
    )
    items: dict[str, ServiceItem] = {}
    for code, name, dept, kind, channels, legal, promised, docs, fees, eligibility, extra in ITEMS:
        items[code] = catalogue.save_item(
            session,
            jurisdiction_id=jid,
            code=code,
            name=name,
            department=by[f"DEMO-{dept}"],
            kind=kind,
            channels=channels.split(","),
            legal_limit_days=legal,
            promised_limit_days=promised,
            documents=docs.split(";"),
            form_fields=PERSON + extra,
            fees=fees,
            eligibility=eligibility,
            process="网上或窗口提交申请 → 部门受理 → 审核 → 办结送达（材料不全的一次性告知补正）",
            location=centre,
            assured_on=today - timedelta(days=12),
        )
    catalogue.set_item_status(
        session, items["CG-0701"], "temporarily_closed", alert="系统升级，暂停受理至下周一", actor=None
    )
    catalogue.save_bundle(
        session,
        jurisdiction_id=jid,
        code="YJS-CS",
        name="出生一件事",
        description="新生儿出生后的出生医学证明、预防接种证、医保参保和社保卡，一张表、一套材料、一次办好。",
        lead_department=by["DEMO-WJW"],
        parts=[
            (items[c], ["name", "id_no", "baby_name", "born_on", "hospital"]) for c in ("WJ-0101", "WJ-0102", "RS-0201")
        ]
        + [(items["RS-0202"], ["name", "id_no", "baby_name"])],
        form_fields=PERSON + BABY,
        documents=["父母双方身份证", "结婚证", "户口簿", "住院病历"],
    )
    esf = catalogue.save_bundle(
        session,
        jurisdiction_id=jid,
        code="YJS-ESF",
        name="二手房过户+水电气联办",
        description="办理不动产转移登记时，水、电、燃气户名一并过户，不用再跑供水、供电、燃气营业厅。",
        lead_department=by["DEMO-ZJW"],
        parts=[(items[c], ["name", "id_no", "address"]) for c in ("ZJ-0301", "SW-0401", "GD-0402", "RQ-0403")],
        form_fields=[*PERSON, ADDRESS],
        documents=["买卖双方身份证", "不动产权证书", "存量房买卖合同", "完税凭证"],
    )
    windows = [
        win.save_window(
            session,
            location=centre,
            code=code,
            name=name,
            items=[items[c] for c in codes],
            actor=None,
            slot_capacity=capacity,
        )
        for code, name, codes, capacity in WINDOWS
    ]
    _activity(session, city, centre, items, esf, today)
    _hall(session, city, centre, items, windows, today)


WINDOWS = [
    ("A01", "综合受理 1 号窗口", [], 2),
    ("A02", "综合受理 2 号窗口", [], 2),
    ("B01", "不动产登记窗口", ["ZJ-0301"], 1),
    ("C01", "社保医保窗口", ["RS-0201", "RS-0202", "RS-0203"], 1),
    ("D01", "老年人服务窗口", ["MZ-0501", "MZ-0502", "MZ-0503"], 1),
]


def _hall(session: Session, city, centre, items, windows, today) -> None:
    """叫号 over the last working days (walk-ins served at the windows, most rated by the slip's link; good and
    middling ratings only, as in :func:`_activity`) and a live queue this morning when the centre is open."""
    rng, desk = city.rng, city.staff.get(Role.OPERATOR, [None])[0]
    if desk is None:  # pragma: no cover - the demo city always has an operator
        return
    calendar = get_calendar(session, city.jid)
    days = [today - timedelta(n) for n in range(1, 12) if calendar.is_workday(today - timedelta(n))][:5]
    codes = ["ZJ-0301", "RS-0202", "MZ-0501", "SC-0601", "RS-0203", "SW-0401", "MZ-0503"]
    for back, day in enumerate(reversed(days)):
        start = datetime.combine(day, time(9, 0), tzinfo=local_zone())
        for n in range(10):
            now = start + timedelta(minutes=12 * n + rng.randint(0, 8))
            item = items[codes[(n + back) % len(codes)]]
            ticket = win.take_ticket(
                session, location=centre, item=item, phone=f"1390000{3000 + back * 20 + n}", actor=desk, now=now
            )
            window = next((w for w in windows if w.item_ids and item.id in w.item_ids), windows[n % 2])
            win.act_on_ticket(session, ticket, "call", window=window, actor=desk, now=now + timedelta(minutes=5))
            win.act_on_ticket(session, ticket, "serve", actor=desk, now=now + timedelta(minutes=20))
            if n % 4 == 3:
                continue  # not everyone rates
            slow = back == 0 and n in (1, 6)  # the first morning one window was short-staffed
            level = 3 if slow else rng.choice([5, 5, 5, 4, 4, 3])
            win.rate_ticket(
                session,
                ticket,
                level=level,
                scores={"overall": level, "attitude": max(level, 3), "efficiency": level},
                text="排队等了一个多小时，窗口只开了一个" if slow else "",
                now=now + timedelta(minutes=40),
            )
    if not ap.periods(session, centre, today):
        return
    now = datetime.combine(today, time(9, 0), tzinfo=local_zone())
    tickets = [
        win.take_ticket(
            session, location=centre, item=items[codes[n % len(codes)]], actor=desk, now=now + timedelta(minutes=3 * n)
        )
        for n in range(7)
    ]
    for ticket, window in zip(tickets[:2], windows[:2], strict=True):
        win.act_on_ticket(session, ticket, "call", window=window, actor=desk, now=now + timedelta(minutes=25))


def _hall_place(session: Session, jid: int) -> int | None:
    """The centre in the gazetteer: a landmark in the first street (none in a city without streets)."""
    street = session.scalar(
        select(Unit).where(Unit.jurisdiction_id == jid, Unit.kind == UnitKind.STREET).order_by(Unit.id)
    )
    if street is None:  # pragma: no cover - the demo city has streets
        return None
    return add_place(
        session, actor=None, jurisdiction_id=jid, name="市民服务中心", kind=PlaceKind.LANDMARK, unit_id=street.id
    ).id


def _account(session: Session, jid: int, phone: str, name: str, now) -> ResidentAccount:
    account = session.scalar(
        select(ResidentAccount).where(ResidentAccount.jurisdiction_id == jid, ResidentAccount.phone == phone)
    )
    if account is None:
        account = ResidentAccount(jurisdiction_id=jid, phone=phone, real_name=name, verified_at=now, last_login_at=now)
        session.add(account)
        session.flush()
    return account


def _handler(city, item: ServiceItem):
    return city.handlers.get(item.department_id)


def _run(session, city, app, steps) -> None:
    for action in steps:
        note = "请补充户口簿首页及本人页" if action == "ask_more" else ""
        svc.act(session, app, action, actor=_handler(city, app.item), note=note, now=city.now)


def _activity(session: Session, city, centre, items, esf, today) -> None:
    jid, now, rng = city.jid, city.now, city.rng
    son = _account(session, jid, "13800001001", "王建国", now)
    mother = _account(session, jid, "13800001002", "刘芳", now)
    buyer = _account(session, jid, "13800001003", "陈志远", now)
    form = {"name": "王建国", "id_no": "4301**********1234", "address": "和平里小区3号楼2单元"}
    proxy = svc.authorize_proxy(
        session,
        agent=son,
        agent_name="王建国",
        principal_name="王德福",
        principal_phone="13800001000",
        relationship="child",
        items=[items["MZ-0501"], items["MZ-0502"]],
        valid_from=today,
        valid_to=today + timedelta(days=180),
        evidence="王德福签字的授权委托书、户口簿",
        consent="社区工作人员入户见证，本人签字同意",
        now=now,
    )
    subsidy = svc.apply(
        session,
        item=items["MZ-0501"],
        form=form,
        documents=["身份证", "户口簿"],
        account=son,
        proxy_id=proxy.id,
        now=now,
    )
    _run(session, city, subsidy, ["accept", "ask_more"])
    care = svc.apply(
        session,
        item=items["MZ-0502"],
        form=form,
        documents=items["MZ-0502"].documents,
        account=son,
        proxy_id=proxy.id,
        now=now,
    )
    _run(session, city, care, ["accept"])
    # 上门办: a bedridden resident asks for staff to come; the department has agreed a time
    bedridden = _account(session, jid, "13800001004", "赵秀英", now)
    home = svc.apply(
        session,
        item=items["MZ-0501"],
        form={**form, "name": "赵秀英", "address": "东风村5组12号"},
        documents=["身份证", "户口簿"],
        account=bedridden,
        visit_address="东风村5组12号（卧床，家属在家）",
        now=now,
    )
    _run(session, city, home, ["accept"])
    calendar = get_calendar(session, jid)
    visit_day = next(today + timedelta(n) for n in range(1, 10) if calendar.is_workday(today + timedelta(n)))
    if home.due_at and datetime.combine(visit_day, time(10, 0), tzinfo=local_zone()) <= home.due_at:
        svc.schedule_visit(
            session,
            home,
            at=datetime.combine(visit_day, time(10, 0), tzinfo=local_zone()),
            actor=_handler(city, items["MZ-0501"]),
            note="带上申请表和印泥",
            now=now,
        )
    birth = svc.apply(
        session,
        bundle=catalogue.bundle_by_code(session, jid, "YJS-CS"),
        form={
            "name": "刘芳",
            "id_no": "4301**********5678",
            "baby_name": "王小禾",
            "born_on": str(today - timedelta(days=9)),
            "hospital": "市妇幼保健院",
        },
        documents=["父母双方身份证", "结婚证", "户口簿", "住院病历"],
        account=mother,
        now=now,
    )
    for n, part in enumerate(birth.parts):
        _run(session, city, part, ["accept", "approve", "deliver"] if n < 2 else ["accept"])
    house = svc.apply(
        session, bundle=esf, form={**form, "name": "陈志远"}, documents=esf.documents, account=buyer, now=now
    )
    for part in house.parts:
        _run(session, city, part, ["accept", "approve", "deliver"])
    ratings.rate_application(
        session,
        house,
        account=buyer,
        level=5,
        scores={"overall": 5, "efficiency": 5, "convenience": 5},
        text="一次办好，水电气不用再跑",
        now=now,
    )
    # people who came to the windows or applied online over the last weeks, most of them rated
    window = city.staff.get(Role.OPERATOR, [None])[0]
    codes = ["RS-0202", "SC-0601", "RS-0203", "MZ-0503", "SW-0401", "GD-0402"]
    for n in range(18):
        item = items[codes[n % len(codes)]]
        account = _account(session, jid, f"1380000{2000 + n}", f"居民{n + 1}", now)
        if n % 3 == 0 and window is not None:
            app = svc.apply(
                session,
                item=item,
                form={**form, "name": account.real_name},
                documents=item.documents,
                applicant_name=account.real_name,
                applicant_phone=account.phone,
                actor=window,
                now=now,
            )
            app.applicant_account_id = account.id
        else:
            app = svc.apply(
                session,
                item=item,
                form={**form, "name": account.real_name},
                documents=item.documents,
                account=account,
                now=now,
            )
        _run(session, city, app, ["accept", "approve", "deliver"] if n < 15 else ["accept"])
        if n < 14:  # good and middling ratings only: a 差评 would open a work order among the demo's appeals
            level = 3 if n in (4, 9) else rng.choice([5, 5, 5, 4, 4, 3])
            text = "等候时间有点长" if level == 3 else ""
            ratings.rate_application(
                session, app, account=account, level=level, scores={"overall": level}, text=text, now=now
            )
    # bookings on the next open days
    for n, day in enumerate(ap.open_days(session, centre, today + timedelta(days=1), 7)[:3]):
        slots = ap.ensure_slots(session, centre, day)
        for k, account in enumerate([son, mother, buyer][: 3 - n]):
            ap.book(
                session,
                slot=slots[(k * 3) % len(slots)],
                item=items[["MZ-0501", "RS-0202", "ZJ-0301"][k]],
                account=account,
                now=now,
            )
