"""The wish 台账 as .xlsx (or .csv): export of every wish (personal data masked unless asked for), and import of
wishes collected on paper (grid visits, 说事箱, return visits) with a row-by-row report.

Export reads plain columns (no ORM objects) and streams them into a write-only workbook, so 100,000 rows take
seconds, not minutes. Import checks every row first; the report names each bad row, column and reason in Chinese
and English. A file with any bad row imports nothing unless ``only_good``. Each good row goes through the real
verbs — ``submit_wish`` as the staff member running the import, then ``register_wish`` / ``publish_wish`` when the
row's status asks for it — so events, notifications and permissions are what the pages would have produced.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from lianxin.appeals.privacy import mask_name, mask_phone
from lianxin.clock import local_zone
from lianxin.errors import InvalidInput, LianxinError
from lianxin.ledger.importer import RowError
from lianxin.orgs.models import Unit, UnitKind, User
from lianxin.wishes import service as svc
from lianxin.wishes.models import (
    CATEGORY_LABELS,
    SOURCE_LABELS,
    TRIAGE_LABELS,
    Member,
    PartyOrg,
    TriageClass,
    Wish,
    WishCategory,
    WishSource,
)
from lianxin.wishes.status import STATUS_LABELS, WishStatus
from lianxin.wishes.xlsx import workbook

COLUMNS = [
    "编号",
    "社区",
    "网格",
    "来源",
    "类别",
    "分类",
    "状态",
    "心愿内容",
    "公开内容",
    "姓名",
    "电话",
    "地址",
    "认领人",
    "承诺日期",
    "提交时间",
    "反馈时间",
    "确认时间",
    "评价",
    "说明",
]
REQUIRED = ("社区", "类别", "心愿内容", "电话")
IMPORT_STATUSES = {WishStatus.COLLECTED: 0, WishStatus.REGISTERED: 1, WishStatus.PUBLISHED: 2}


# Chinese labels by stored value (a dict lookup a cell, not an enum call)
_SOURCE = {k.value: zh for k, (zh, _) in SOURCE_LABELS.items()}
_CATEGORY = {k.value: zh for k, (zh, _) in CATEGORY_LABELS.items()}
_TRIAGE = {k.value: zh for k, (zh, _) in TRIAGE_LABELS.items()}
_STATUS = {k.value: zh for k, (zh, _) in STATUS_LABELS.items()}


def _local(moment: datetime | None) -> str:
    if moment is None:
        return ""
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    m = aware.replace(tzinfo=None) + local_zone().utcoffset(aware)  # LIANXIN_TIMEZONE, cheaper than astimezone
    return f"{m.year}-{m.month:02d}-{m.day:02d} {m.hour:02d}:{m.minute:02d}"


def ledger_rows(
    session: Session,
    jurisdiction_id: int,
    *,
    status: WishStatus | None = None,
    community_id: int | None = None,
    unmasked: bool = False,
) -> Iterator[list]:
    """One list per wish (oldest first) in ``COLUMNS`` order; plain columns, streamed from the database."""
    community, grid = aliased(Unit), aliased(Unit)
    stmt = (
        select(
            Wish.id,
            community.name,
            grid.name,
            Wish.source,
            Wish.category,
            Wish.triage_class,
            Wish.status,
            Wish.content,
            Wish.public_text,
            Wish.resident_name,
            Wish.resident_phone,
            Wish.resident_address,
            Member.name,
            PartyOrg.name,
            Wish.promised_on,
            Wish.created_at,
            Wish.delivered_at,
            Wish.confirmed_at,
            Wish.rating,
            Wish.reason,
        )
        .join(community, community.id == Wish.community_id)
        .outerjoin(grid, grid.id == Wish.grid_id)
        .outerjoin(Member, Member.id == Wish.claimed_member_id)
        .outerjoin(PartyOrg, PartyOrg.id == Wish.claimed_org_id)
        .order_by(Wish.id)
        .execution_options(yield_per=2000)
    )
    if community_id is not None:
        # the community's own index (a jurisdiction condition on the wish lets SQLite walk the whole city)
        stmt = stmt.where(Wish.community_id == community_id, community.jurisdiction_id == jurisdiction_id)
    else:
        stmt = stmt.where(Wish.jurisdiction_id == jurisdiction_id)
    if status is not None:
        stmt = stmt.where(Wish.status == status)
    for r in session.execute(stmt):
        (wid, cname, gname, source, category, triage, st, content, public, name, phone, address) = r[:12]
        (member, org, promised, created, delivered, confirmed, rating, reason) = r[12:]
        yield [
            wid,
            cname,
            gname or "",
            _SOURCE[source],
            _CATEGORY[category],
            _TRIAGE[triage] if triage else "",
            _STATUS[st],
            content if unmasked else "",
            public or "",
            (name or "") if unmasked else mask_name(name),
            phone if unmasked else mask_phone(phone),
            (address or "") if unmasked else "",
            org or (mask_name(member) if member and not unmasked else member or ""),
            promised.isoformat() if promised else "",
            _local(created),
            _local(delivered),
            _local(confirmed),
            rating or "",
            reason or "",
        ]


WIDTHS = [8, 16, 16, 10, 10, 12, 10, 40, 40, 10, 14, 20, 16, 12, 17, 17, 17, 6, 30]


def export_xlsx(session: Session, jurisdiction_id: int, **filters) -> bytes:
    return workbook([("微心愿台账", COLUMNS, ledger_rows(session, jurisdiction_id, **filters), WIDTHS)])


def export_csv(session: Session, jurisdiction_id: int, **filters) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    writer.writerows(ledger_rows(session, jurisdiction_id, **filters))
    return out.getvalue().encode("utf-8-sig")


# --- import -----------------------------------------------------------------------------------------


@dataclass
class ImportReport:
    total: int = 0
    imported: list[int] = field(default_factory=list)  # wish ids
    errors: list[RowError] = field(default_factory=list)

    @property
    def bad_rows(self) -> list[int]:
        return sorted({e.row for e in self.errors})


@dataclass
class _Row:
    number: int
    community: Unit
    grid: Unit | None
    source: WishSource
    category: WishCategory
    triage: TriageClass | None
    status: WishStatus
    content: str
    public_text: str | None
    name: str | None
    phone: str
    address: str | None


def _pick(value: str, labels: dict, enum_cls):
    """An enum member from its code or its Chinese label (or None)."""
    for member, (zh, en) in labels.items():
        if value in (member.value, zh, en):
            return enum_cls(member)
    return None


class _Checker:
    def __init__(self, session: Session, jurisdiction_id: int, actor: User):
        self.session, self.jid, self.actor = session, jurisdiction_id, actor
        units = session.scalars(
            select(Unit).where(Unit.jurisdiction_id == jurisdiction_id, Unit.active.is_(True))
        ).all()
        self.communities = {u.name: u for u in units if u.kind == UnitKind.COMMUNITY}
        self.grids = {(u.parent_id, u.name): u for u in units if u.kind == UnitKind.GRID}
        self.seen: set[tuple[int, str, str]] = set()
        self.staff_of: dict[int, bool] = {}

    def check(self, number: int, raw: dict[str, str], errors: list[RowError]) -> _Row | None:
        before = len(errors)

        def fail(column: str, zh: str, en: str) -> None:
            errors.append(RowError(number, column, zh, en))

        community = self.communities.get(raw.get("社区", ""))
        if community is None:
            fail("社区", f"社区「{raw.get('社区', '')}」不存在", f"unknown community {raw.get('社区', '')!r}")
        elif community.id not in self.staff_of:
            self.staff_of[community.id] = svc.is_staff(self.session, self.actor, community.id)
        if community is not None and not self.staff_of[community.id]:
            fail("社区", "导入人不是该社区的工作人员", "the importing user is not staff of this community")
        grid = None
        if raw.get("网格") and community is not None:
            grid = self.grids.get((community.id, raw["网格"]))
            if grid is None:
                fail("网格", f"网格「{raw['网格']}」不在该社区", f"grid {raw['网格']!r} is not in this community")
        source = _pick(raw.get("来源") or WishSource.GRID_VISIT.value, SOURCE_LABELS, WishSource)
        if source is None:
            fail("来源", "来源应为：" + "、".join(zh for zh, _ in SOURCE_LABELS.values()), "unknown source")
        category = _pick(raw.get("类别", ""), CATEGORY_LABELS, WishCategory)
        if category is None:
            fail("类别", "类别应为：" + "、".join(zh for zh, _ in CATEGORY_LABELS.values()), "unknown category")
        status = _pick(raw.get("状态") or WishStatus.COLLECTED.value, STATUS_LABELS, WishStatus)
        if status not in IMPORT_STATUSES:
            fail("状态", "只能导入：已收集、已登记、待认领", "only collected, registered or published wishes import")
        triage = None
        if raw.get("分类"):
            triage = _pick(raw["分类"], TRIAGE_LABELS, TriageClass)
            if triage is None or triage == TriageClass.INFEASIBLE:
                fail("分类", "分类应为：个人认领类、共性类、疑难类", "triage must be individual, common or legacy")
        elif status in (WishStatus.REGISTERED, WishStatus.PUBLISHED):
            fail("分类", "已登记或待认领的心愿须填写分类", "a registered or published wish needs its triage class")
        if status == WishStatus.PUBLISHED and not raw.get("公开内容"):
            fail("公开内容", "待认领的心愿须填写公开内容", "a published wish needs its public text")
        phone = (raw.get("电话") or "").replace(" ", "")
        if "*" in phone:
            fail("电话", "电话是脱敏号码，请使用原始号码", "the phone number is masked; use the original")
        elif not svc.PHONE_RE.match(phone):
            fail("电话", "电话号码格式不正确", "invalid phone number")
        content = raw.get("心愿内容", "")
        if not 5 <= len(content) <= svc.MAX_TEXT:
            fail("心愿内容", f"心愿内容应为 5–{svc.MAX_TEXT} 个字", f"the wish needs 5–{svc.MAX_TEXT} characters")
        elif community is not None:
            key = (community.id, phone, content)
            if key in self.seen or self.session.scalar(
                select(Wish.id).where(
                    Wish.community_id == community.id, Wish.resident_phone == phone, Wish.content == content
                )
            ):
                fail("心愿内容", "同一群众的同一心愿已登记", "this resident's same wish is already recorded")
            self.seen.add(key)
        if len(errors) > before:
            return None
        return _Row(
            number,
            community,
            grid,
            source,
            category,
            triage,
            status,
            content,
            raw.get("公开内容") or None,
            raw.get("姓名") or None,
            phone,
            raw.get("地址") or None,
        )


def _record(session: Session, row: _Row, actor: User) -> Wish:
    wish = svc.submit_wish(
        session,
        jurisdiction_id=row.community.jurisdiction_id,
        community_id=row.community.id,
        grid_id=row.grid.id if row.grid else None,
        content=row.content,
        category=row.category,
        resident_phone=row.phone,
        resident_name=row.name,
        resident_address=row.address,
        source=row.source,
        actor=actor,
    )
    level = IMPORT_STATUSES[row.status]
    if level >= 1:
        svc.register_wish(session, wish, actor=actor, triage_class=row.triage, public_text=row.public_text)
    if level >= 2:
        svc.publish_wish(session, wish, actor=actor)
    return wish


def import_wishes(
    session: Session, jurisdiction_id: int, rows: list[dict[str, str]], *, actor: User, only_good: bool = False
) -> ImportReport:
    """Check every row, then import all (no bad row), the good ones (``only_good``), or nothing."""
    report = ImportReport(total=len(rows))
    checker = _Checker(session, jurisdiction_id, actor)
    checked = (checker.check(int(raw.get("#", n)), raw, report.errors) for n, raw in enumerate(rows, start=2))
    good = [r for r in checked if r is not None]
    if report.errors and not only_good:
        return report
    whole = session.begin_nested()  # all-or-nothing: a row refused by a verb undoes the rows before it
    for row in good:
        savepoint = session.begin_nested()
        try:
            wish = _record(session, row, actor)
            savepoint.commit()
            report.imported.append(wish.id)
        except LianxinError as exc:
            savepoint.rollback()
            report.errors.append(RowError(row.number, "—", exc.message_zh, exc.message_en))
            if not only_good:
                whole.rollback()
                report.imported.clear()
                return report
    whole.commit()
    return report


def read_rows(path: Path | str, content: bytes | None = None) -> list[dict[str, str]]:
    """The file's rows as {header: text} (.xlsx or .csv, headers in the first row); blank rows are skipped."""
    name = str(path).lower()
    raw = content if content is not None else Path(path).read_bytes()
    if name.endswith(".xlsx"):
        try:
            sheet = load_workbook(io.BytesIO(raw), read_only=True, data_only=True).worksheets[0]
        except Exception:  # openpyxl raises many kinds for a file that is not a workbook
            raise InvalidInput(
                "文件不是有效的 .xlsx 工作簿", "the file is not a valid .xlsx workbook", field="file"
            ) from None
        rows = [["" if v is None else v for v in row] for row in sheet.iter_rows(values_only=True)]
    elif name.endswith(".csv"):
        rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    else:
        raise InvalidInput("只支持 .xlsx 或 .csv 文件", "only .xlsx and .csv files can be imported", field="file")
    if not rows:
        raise InvalidInput("文件为空", "the file is empty", field="file")
    headers = [str(h).strip() for h in rows[0]]
    missing = [c for c in REQUIRED if c not in headers]
    if missing:
        raise InvalidInput(
            f"缺少列：{'、'.join(missing)}（可用列：{'、'.join(COLUMNS)}）",
            f"missing columns: {', '.join(missing)}",
            field="file",
        )
    return [  # "#" keeps the row's number in the file for the report
        {"#": str(n), **{h: str(v).strip() for h, v in zip(headers, row)}}
        for n, row in enumerate(rows[1:], start=2)
        if any(str(v).strip() for v in row)
    ]
