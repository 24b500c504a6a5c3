"""Import the community's Excel 台账 (one row per person) into the register, with a row report.

Columns (the first row holds the headers, in Chinese; order free): 社区, 网格 (optional), 地址, 姓名, 身份证号,
电话, 与户主关系, 人群标签 (separated by 、 or ,), 紧急联系人, 联系人电话. Rows with the same 地址 in the same 社区
form one household (an existing household at that address is reused). A person whose 身份证号 is already
registered — earlier in the file or in the database — is reported as a duplicate and skipped. Every row is
imported inside its own savepoint: a bad row is reported and changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from io import BytesIO

from openpyxl import Workbook, load_workbook
from sqlalchemy import select
from sqlalchemy.orm import Session

from lianxin.care import service as svc
from lianxin.care.models import Household
from lianxin.errors import Conflict, InvalidInput, LianxinError
from lianxin.orgs.models import Unit, UnitKind, User

COLUMNS = {
    "社区": "community",
    "网格": "grid",
    "地址": "address",
    "姓名": "name",
    "身份证号": "id_number",
    "电话": "phone",
    "与户主关系": "relation",
    "人群标签": "tags",
    "紧急联系人": "contact_name",
    "联系人电话": "contact_phone",
}
REQUIRED = ("community", "address", "name")


@dataclass
class RowResult:
    row: int
    status: str  # imported | duplicate | error
    message: str = ""


@dataclass
class ImportReport:
    rows: list[RowResult] = field(default_factory=list)
    households_created: int = 0

    def count(self, status: str) -> int:
        return sum(1 for r in self.rows if r.status == status)

    def summary(self) -> str:
        return (
            f"导入 {self.count('imported')} 人，新建 {self.households_created} 户，重复 {self.count('duplicate')}，"
            f"错误 {self.count('error')} / imported {self.count('imported')}, households {self.households_created}, "
            f"duplicates {self.count('duplicate')}, errors {self.count('error')}"
        )


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def read_rows(data: bytes) -> list[tuple[int, dict]]:
    try:
        sheet = load_workbook(BytesIO(data), read_only=True, data_only=True).active
    except Exception:  # openpyxl raises many kinds for a file that is not a workbook
        raise InvalidInput(
            "无法读取 Excel 文件（.xlsx）", "this is not a readable .xlsx workbook", field="file"
        ) from None
    rows = list(sheet.iter_rows(values_only=True))
    if not rows:
        raise InvalidInput("表格是空的", "the sheet is empty", field="file")
    header = [COLUMNS.get(_text(h)) for h in rows[0]]
    missing = [zh for zh, key in COLUMNS.items() if key in REQUIRED and key not in header]
    if missing:
        raise InvalidInput(f"缺少列：{'、'.join(missing)}", f"missing columns: {', '.join(missing)}", field="file")
    out = []
    for number, values in enumerate(rows[1:], start=2):
        record = {key: _text(v) for key, v in zip(header, values, strict=False) if key}
        if any(record.values()):
            out.append((number, record))
    return out


def import_rows(session: Session, actor: User | None, jurisdiction_id: int, data: bytes) -> ImportReport:
    report = ImportReport()
    units = {
        (u.kind, u.name): u
        for u in session.scalars(
            select(Unit).where(
                Unit.jurisdiction_id == jurisdiction_id, Unit.kind.in_([UnitKind.COMMUNITY, UnitKind.GRID])
            )
        )
    }
    seen_ids: set[str] = set()
    for number, record in read_rows(data):
        try:
            with session.begin_nested():
                status = _import_row(session, actor, jurisdiction_id, units, record, seen_ids, report)
            report.rows.append(RowResult(number, status))
        except LianxinError as exc:
            status = "duplicate" if exc.field == "id_number" and isinstance(exc, Conflict) else "error"
            report.rows.append(RowResult(number, status, f"{exc.message_zh} / {exc.message_en}"))
    return report


def _import_row(session, actor, jurisdiction_id, units, record, seen_ids, report) -> str:
    for key in REQUIRED:
        if not record.get(key):
            raise InvalidInput(f"缺少{key}", f"{key} is empty", field=key)
    community = units.get((UnitKind.COMMUNITY, record["community"]))
    if community is None:
        raise InvalidInput(
            f"社区「{record['community']}」不存在", f"unknown community {record['community']}", field="community"
        )
    grid = units.get((UnitKind.GRID, record.get("grid", ""))) if record.get("grid") else None
    if record.get("grid") and grid is None:
        raise InvalidInput(f"网格「{record['grid']}」不存在", f"unknown grid {record['grid']}", field="grid")
    id_number = svc.clean_id_number(record.get("id_number"))
    if id_number and (id_number in seen_ids or svc.find_by_id_number(session, jurisdiction_id, id_number)):
        raise Conflict("身份证号重复", "duplicate ID number", field="id_number")
    household = session.scalar(
        select(Household).where(
            Household.jurisdiction_id == jurisdiction_id,
            Household.community_id == community.id,
            Household.address == record["address"],
        )
    )
    if household is None:
        household = svc.create_household(
            session,
            actor=actor,
            jurisdiction_id=jurisdiction_id,
            community_id=community.id,
            grid_id=grid.id if grid else None,
            address=record["address"],
        )
        report.households_created += 1
    tags = [t for t in record.get("tags", "").replace("，", ",").replace("、", ",").split(",") if t.strip()]
    svc.add_person(
        session,
        household,
        actor=actor,
        name=record["name"],
        id_number=id_number,
        phone=record.get("phone"),
        relation=record.get("relation") or "户主",
        tags=tags,
    )
    if record.get("contact_name") and record.get("contact_phone"):
        known = {c.phone for c in household.contacts}
        if svc.clean_phone(record["contact_phone"], "contact_phone") not in known:
            svc.add_contact(session, household, actor=actor, name=record["contact_name"], phone=record["contact_phone"])
    if id_number:
        seen_ids.add(id_number)
    return "imported"


def template_workbook(rows: list[list] = ()) -> bytes:
    """An empty 台账 with the headers (and ``rows``, for tests and the demo)."""
    book = Workbook()
    sheet = book.active
    sheet.title = "关爱台账"
    sheet.append(list(COLUMNS))
    for row in rows:
        sheet.append(row)
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()
