"""台账 pages: export with filters (xlsx or CSV download) and import of historical orders with the
row-by-row validation report."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request, UploadFile
from fastapi.responses import Response
from sqlalchemy.orm import Session

from lianxin.appeals.status import AppealStatus
from lianxin.errors import InvalidInput, LianxinError
from lianxin.ledger.export import export_csv, export_xlsx
from lianxin.ledger.importer import import_ledger, read_table
from lianxin.orgs.models import Role, User
from lianxin.stats.rollups import unit_tree
from lianxin.stats.views import parse_period, parse_unit, unit_choices
from lianxin.web.deps import get_session, require_roles
from lianxin.web.templating import render

router = APIRouter()
EXPORTERS = (Role.LEADER, Role.DISPATCHER, Role.HANDLER, Role.ADMIN)
IMPORTERS = (Role.DISPATCHER, Role.ADMIN)
MAX_UPLOAD = 20 * 1024 * 1024
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _page(
    request: Request, session: Session, user: User, report=None, status_code: int = 200, error: str | None = None
):
    return render(
        request,
        "ledger/ledger.html",
        {
            "units": unit_choices(session, unit_tree(session, user.jurisdiction_id), user),
            "statuses": list(AppealStatus),
            "report": report,
            "error": error,
            "may_import": any(g.role in IMPORTERS for g in user.grants),
        },
        status_code=status_code,
    )


@router.get("/ledger")
def ledger_page(
    request: Request, session: Session = Depends(get_session), user: User = Depends(require_roles(*EXPORTERS))
) -> Response:
    return _page(request, session, user)


@router.get("/ledger/export")
def ledger_export(
    start: str | None = None,
    end: str | None = None,
    unit: str | None = None,
    status: str | None = None,
    fmt: str = "xlsx",
    session: Session = Depends(get_session),
    user: User = Depends(require_roles(*EXPORTERS)),
) -> Response:
    first, last = parse_period(start, end, default_days=365)
    filters = dict(actor=user, start=first, end=last, unit_id=parse_unit(unit), status=status or None)
    if fmt == "csv":
        return Response(
            export_csv(session, user.jurisdiction_id, **filters),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="ledger-{first}-{last}.csv"'},
        )
    return Response(
        export_xlsx(session, user.jurisdiction_id, **filters),
        media_type=XLSX,
        headers={"Content-Disposition": f'attachment; filename="ledger-{first}-{last}.xlsx"'},
    )


@router.post("/ledger/import")
def ledger_import(
    request: Request,
    file: UploadFile,
    only_good: str = Form(""),
    session: Session = Depends(get_session),
    user: User = Depends(require_roles(*IMPORTERS)),
) -> Response:
    content = file.file.read(MAX_UPLOAD + 1)
    try:
        if len(content) > MAX_UPLOAD:
            raise InvalidInput("文件不能超过 20 MB", "the file may not exceed 20 MB", field="file")
        rows = read_table(file.filename or "", content)
        report = import_ledger(session, user.jurisdiction_id, rows, only_good=only_good == "yes")
    except LianxinError as exc:
        return _page(request, session, user, status_code=exc.http_status, error=str(exc))
    return _page(
        request, session, user, report=report, status_code=422 if report.errors and not report.imported else 200
    )
