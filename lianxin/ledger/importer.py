"""Import of historical orders from a 台账 file (xlsx or CSV, the export's columns, unmasked).

Every row is checked first; the report names each bad row, column and reason (Chinese and English).
By default a file with any bad row imports nothing; ``only_good`` imports the good rows. Each imported
order is replayed through the real verbs at its historical times (``clock.at``): submitted at 受理时间,
dispatched to 承办单位 a minute later, signed, contacted, replied at 办结时间 and visited (回访结果) or
closed. A historical 已办结 order whose 回访结果 is 不满意 is recorded as a visit whose dissatisfaction
was not upheld (it closed without 重办), so it is not a valid visit for the rates. A given 工单编号 is
kept (and the day's number sequence moved past it).
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from openpyxl import load_workbook
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from lianxin import clock, progress
from lianxin.appeals.choices import Satisfaction
from lianxin.appeals.models import Appeal
from lianxin.appeals.schemas import PHONE_RE, AppealCreate
from lianxin.appeals.service import (
    HANDLING_UNIT_KINDS,
    close_appeal,
    dispatch_appeal,
    record_contact,
    reply_to_appeal,
    sign_appeal,
    submit_appeal,
)
from lianxin.appeals.status import AppealStatus
from lianxin.clock import local_zone, utcnow
from lianxin.errors import InvalidInput, LianxinError
from lianxin.ledger.export import COLUMNS, NOT_VISITED, category_paths
from lianxin.orgs.models import Unit
from lianxin.visits.service import record_return_visit

REQUIRED = ("受理时间", "联系电话", "诉求内容", "状态")
S = AppealStatus
IMPORTABLE = {S.RECEIVED: 0, S.DISPATCHED: 1, S.IN_PROGRESS: 2, S.REPLIED: 3, S.CLOSED: 4}
ORDER_NO_RE = re.compile(r"^\d{14}$")
STEP = timedelta(minutes=1)


@dataclass
class RowError:
    row: int
    column: str
    message_zh: str
    message_en: str

    def __str__(self) -> str:
        return f"第 {self.row} 行「{self.column}」：{self.message_zh} / row {self.row} {self.column}: {self.message_en}"


@dataclass
class ImportReport:
    total: int = 0
    imported: list[str] = field(default_factory=list)  # order numbers
    errors: list[RowError] = field(default_factory=list)

    @property
    def bad_rows(self) -> list[int]:
        return sorted({e.row for e in self.errors})


@dataclass
class _Row:
    number: int
    data: AppealCreate
    status: AppealStatus
    received_at: datetime
    closed_at: datetime | None
    unit: Unit | None
    satisfaction: Satisfaction | None
    order_no: str | None


def read_table(path: Path | str, content: bytes | None = None) -> list[dict[str, str]]:
    """Rows of an xlsx or CSV file as {header: text}; the first row holds the headers."""
    name = str(path).lower()
    raw = content if content is not None else Path(path).read_bytes()
    if name.endswith(".xlsx"):
        sheet = load_workbook(io.BytesIO(raw), read_only=True, data_only=True).worksheets[0]
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
            f"缺少列：{'、'.join(missing)}（应为：{'、'.join(COLUMNS)}）",
            f"missing columns: {', '.join(missing)}",
            field="file",
        )
    return [{h: _text(v) for h, v in zip(headers, row)} for row in rows[1:]]


def _text(value) -> str:
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    return str(value).strip()


def _moment(text: str) -> datetime:
    for fmt in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M"):
        try:
            return datetime.strptime(text, fmt).replace(tzinfo=local_zone())
        except ValueError:
            continue
    raise ValueError(text)


class _Checker:
    """Validates rows against the jurisdiction's units, categories and existing order numbers."""

    def __init__(self, session: Session, jurisdiction_id: int):
        self.session, self.jid = session, jurisdiction_id
        self.units = {
            u.name: u
            for u in session.scalars(
                select(Unit).where(
                    Unit.jurisdiction_id == jurisdiction_id, Unit.active.is_(True), Unit.kind.in_(HANDLING_UNIT_KINDS)
                )
            )
        }
        self.categories = {path: cid for cid, path in category_paths(session, jurisdiction_id).items()}
        self.seen_numbers: set[str] = set()
        self.now = utcnow()

    def check(self, number: int, raw: dict[str, str], errors: list[RowError]) -> _Row | None:
        before = len(errors)

        def fail(column: str, zh: str, en: str) -> None:
            errors.append(RowError(number, column, zh, en))

        received = closed = None
        try:
            received = _moment(raw.get("受理时间", ""))
            if received > self.now:
                fail("受理时间", "受理时间晚于当前时间", "the received time is in the future")
        except ValueError:
            fail("受理时间", "时间格式应为 YYYY-MM-DD HH:MM", "time must be YYYY-MM-DD HH:MM")
        status = next((s for s in IMPORTABLE if raw.get("状态") in (s.value, s.label_zh)), None)
        if status is None:
            fail(
                "状态",
                f"状态应为：{'、'.join(s.label_zh for s in IMPORTABLE)}",
                f"status must be one of {', '.join(s.value for s in IMPORTABLE)}",
            )
        phone = raw.get("联系电话", "").replace(" ", "")
        if "*" in phone:
            fail("联系电话", "联系电话是脱敏号码，请使用原始号码", "the phone number is masked; use the original")
        elif not PHONE_RE.match(phone):
            fail("联系电话", "电话号码格式不正确", "invalid phone number")
        unit = None
        if raw.get("承办单位"):
            unit = self.units.get(raw["承办单位"])
            if unit is None:
                fail("承办单位", f"承办单位「{raw['承办单位']}」不存在", f"unknown unit {raw['承办单位']!r}")
        elif status is not None and IMPORTABLE[status] >= 1:
            fail("承办单位", "已派单的工单须填写承办单位", "a dispatched order needs its handling unit")
        category_id = None
        if raw.get("问题分类"):
            category_id = self.categories.get(raw["问题分类"])
            if category_id is None:
                fail(
                    "问题分类",
                    f"问题分类「{raw['问题分类']}」不存在（应为完整路径，如 城乡建设/市政设施/路灯故障）",
                    f"unknown category {raw['问题分类']!r}",
                )
        if raw.get("办结时间"):
            try:
                closed = _moment(raw["办结时间"])
                if received and closed < received + 5 * STEP:
                    fail("办结时间", "办结时间须晚于受理时间至少 5 分钟", "closed at must be 5 minutes after received")
                elif closed > self.now:
                    fail("办结时间", "办结时间晚于当前时间", "the closing time is in the future")
            except ValueError:
                fail("办结时间", "时间格式应为 YYYY-MM-DD HH:MM", "time must be YYYY-MM-DD HH:MM")
        elif status in (S.REPLIED, S.CLOSED):
            fail("办结时间", "已答复或已办结的工单须填写办结时间", "a replied or closed order needs its closing time")
        satisfaction = None
        if raw.get("回访结果") and raw["回访结果"] != NOT_VISITED:
            try:
                satisfaction = Satisfaction.parse(raw["回访结果"])
            except ValueError:
                fail(
                    "回访结果",
                    "回访结果应为：满意、基本满意、不满意或未回访",
                    "visit result must be 满意/基本满意/不满意/未回访",
                )
            if status != S.CLOSED:
                fail("回访结果", "只有已办结的工单可以有回访结果", "only closed orders carry a visit result")
        order_no = raw.get("工单编号") or None
        if order_no:
            if not ORDER_NO_RE.match(order_no):
                fail("工单编号", "工单编号应为 14 位数字", "order numbers have 14 digits")
            elif order_no in self.seen_numbers or self.session.scalar(
                select(Appeal.id).where(Appeal.order_no == order_no)
            ):
                fail("工单编号", f"工单编号 {order_no} 已存在", f"order number {order_no} already exists")
            self.seen_numbers.add(order_no)
        data = None
        try:
            data = AppealCreate(
                jurisdiction_id=self.jid,
                channel="hotline",
                appeal_type="other",
                content=raw.get("诉求内容", ""),
                appellant_name=raw.get("诉求人") or None,
                appellant_phone=phone,
                category_id=category_id,
            )
        except ValidationError as exc:
            for issue in exc.errors():
                column = {"content": "诉求内容", "appellant_name": "诉求人", "appellant_phone": "联系电话"}.get(
                    str(issue["loc"][0]) if issue["loc"] else "", "诉求内容"
                )
                if column != "联系电话" or not any(e.column == "联系电话" and e.row == number for e in errors):
                    message = issue["msg"].removeprefix("Value error, ")
                    zh, _, en = message.partition(" / ")
                    fail(column, zh, en or zh)
        if len(errors) > before:
            return None
        return _Row(number, data, status, received, closed, unit, satisfaction, order_no)


def _replay(session: Session, row: _Row) -> Appeal:
    """The order's life through the real verbs, each at its historical moment."""
    with clock.at(row.received_at):
        appeal = submit_appeal(session, row.data, actor=None, order_no=row.order_no)
    level = IMPORTABLE[row.status]
    moment = row.received_at
    if level >= 1:
        moment += STEP
        with clock.at(moment):
            dispatch_appeal(session, appeal, row.unit, actor=None, note="历史工单导入")
    if level >= 2:
        moment += STEP
        with clock.at(moment):
            sign_appeal(session, appeal, actor=None)
    if level >= 3:
        with clock.at(moment + STEP):
            record_contact(session, appeal, actor=None, note="历史工单导入")
        with clock.at(row.closed_at - STEP if level == 4 else row.closed_at):
            reply_to_appeal(
                session, appeal, actor=None, text=f"历史工单导入：已于 {row.closed_at:%Y-%m-%d %H:%M} 办结。"
            )
    if level == 4:
        with clock.at(row.closed_at):
            if row.satisfaction is None:
                close_appeal(session, appeal, actor=None, note="历史工单导入")
            else:
                record_return_visit(
                    session,
                    appeal,
                    actor=None,
                    contacted=True,
                    solved=row.satisfaction != Satisfaction.DISSATISFIED,
                    satisfaction=row.satisfaction,
                    unreasonable=row.satisfaction == Satisfaction.DISSATISFIED,
                    comment="历史工单导入",
                    actor_label="历史导入",
                )
    return appeal


def import_ledger(
    session: Session, jurisdiction_id: int, rows: list[dict[str, str]], *, only_good: bool = False
) -> ImportReport:
    """Validate every row, then import all (no bad row), the good ones (``only_good``), or nothing."""
    report = ImportReport(total=len(rows))
    checker = _Checker(session, jurisdiction_id)
    good = [r for r in (checker.check(n, raw, report.errors) for n, raw in enumerate(rows, start=2)) if r is not None]
    if report.errors and not only_good:
        return report
    whole = session.begin_nested()  # all-or-nothing: a row that fails while replaying undoes the rows before it
    for row in progress.track(good, "导入工单 / importing orders"):
        savepoint = session.begin_nested()
        try:
            appeal = _replay(session, row)
            savepoint.commit()
            report.imported.append(appeal.order_no)
        except LianxinError as exc:
            savepoint.rollback()
            report.errors.append(RowError(row.number, "—", exc.message_zh, exc.message_en))
            if not only_good:
                whole.rollback()
                report.imported.clear()
                return report
    whole.commit()
    return report
