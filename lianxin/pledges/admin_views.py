"""办实事 pages beside the workbench: the status vocabulary (administrators), an item's links both ways and items
made from an appeal, hotspot, topic or wish, the project library and village ledgers, the Excel import with its
report, and indicators derived from appeals. Included before ``views:router`` (fixed paths such as
``/staff/pledges/library`` must win over ``/staff/pledges/{list_id}``)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.datastructures import FormData, UploadFile

from lianxin.errors import InvalidInput, LianxinError, NotFound
from lianxin.orgs.models import Role, Unit, User
from lianxin.orgs.service import has_role
from lianxin.pledges import more, overview, queries, service
from lianxin.pledges.status import (
    LIST_EDITABLE,
)
from lianxin.pledges.views import STAFF, _act, _int, _item_act, _labels, _message, _units
from lianxin.web.deps import get_session, require_roles
from lianxin.web.forms import posted_form
from lianxin.web.templating import render

router = APIRouter()


# ---------------------------------------------------------------- status vocabulary (administrators)


@router.get("/admin/pledges/statuses")
def admin_statuses(
    request: Request, session: Session = Depends(get_session), user: User = Depends(require_roles(Role.ADMIN))
) -> Response:
    return _statuses_page(request, session, user)


def _statuses_page(
    request: Request, session: Session, user: User, *, error: str | None = None, status_code: int = 200
) -> Response:
    return render(
        request,
        "pledges/statuses.html",
        {
            "rows": more.ensure_vocabulary(session, user.jurisdiction_id),
            "labels": _labels(),
            "colours": more.COLOURS,
            "error": error,
        },
        status_code=status_code,
    )


@router.post("/admin/pledges/statuses")
def admin_save_status(
    request: Request,
    posted: FormData = Depends(posted_form()),
    session: Session = Depends(get_session),
    user: User = Depends(require_roles(Role.ADMIN)),
) -> Response:
    try:
        with session.begin_nested():
            more.save_status(
                session,
                actor=user,
                key=str(posted.get("key", "")),
                base=str(posted.get("base", "")),
                name_zh=str(posted.get("name_zh", "")),
                name_en=str(posted.get("name_en", "")),
                description=str(posted.get("description", "")),
                default_progress=str(posted.get("default_progress", "")),
                colour=str(posted.get("colour", "blue")),
                position=str(posted.get("position", "")),
                active=posted.get("active") == "1",
            )
    except LianxinError as exc:
        return _statuses_page(request, session, user, error=_message(request, exc), status_code=exc.http_status)
    return RedirectResponse("/admin/pledges/statuses", status_code=303)


@router.post("/staff/pledges/items/{item_id}/status_key")
def staff_status_key(
    item_id: int,
    request: Request,
    posted: FormData = Depends(posted_form()),
    session: Session = Depends(get_session),
    user: User = Depends(require_roles(*STAFF)),
) -> Response:
    key, note = str(posted.get("status_key", "")), str(posted.get("note", ""))
    return _item_act(
        request, session, user, item_id, lambda item: more.set_item_status(session, item, key, actor=user, note=note)
    )


# ---------------------------------------------------------------- links (both sides)


@router.post("/staff/pledges/items/{item_id}/links")
def staff_link(
    item_id: int,
    request: Request,
    posted: FormData = Depends(posted_form()),
    session: Session = Depends(get_session),
    user: User = Depends(require_roles(*STAFF)),
) -> Response:
    kind, ref = str(posted.get("kind", "")), str(posted.get("ref", ""))
    return _item_act(
        request, session, user, item_id, lambda item: more.link_item(session, item, actor=user, kind=kind, ref=ref)
    )


@router.post("/staff/pledges/links/{link_id}/delete")
def staff_unlink(
    link_id: int, request: Request, session: Session = Depends(get_session), user: User = Depends(require_roles(*STAFF))
) -> Response:
    from lianxin.pledges.models import PledgeLink

    link = session.get(PledgeLink, link_id)
    if link is None or link.jurisdiction_id != user.jurisdiction_id:
        raise NotFound(f"关联 {link_id} 不存在", f"link {link_id} not found", field="link")
    return _item_act(request, session, user, link.item_id, lambda _item: more.unlink_item(session, link, actor=user))


@router.get("/staff/pledges/linked")
def staff_linked(
    request: Request,
    kind: str = "",
    id: str = "",
    session: Session = Depends(get_session),
    user: User = Depends(require_roles(*STAFF)),
) -> Response:
    """The panel other pages (appeal, hotspot, topic, wish) load: the items linked to them, and a form
    that makes a new item of a list from this record (the second click)."""
    if kind not in more.LINK_KINDS or not id.isdigit() or len(id) > 9:
        raise InvalidInput("参数有误", "bad parameters", field="kind")
    lists = [pl for pl in queries.staff_lists(session, user.jurisdiction_id) if pl.status in LIST_EDITABLE]
    return render(
        request,
        "pledges/_linked.html",
        {
            "kind": kind,
            "target_id": int(id),
            "links": more.links_to(session, user.jurisdiction_id, kind, int(id)),
            "lists": [pl for pl in lists if service.can_manage(session, user, pl)],
            "labels": _labels(),
        },
    )


@router.post("/staff/pledges/from")
def staff_item_from(
    request: Request,
    posted: FormData = Depends(posted_form()),
    session: Session = Depends(get_session),
    user: User = Depends(require_roles(*STAFF)),
) -> Response:
    kind, ref = str(posted.get("kind", "")), str(posted.get("ref", ""))
    list_id = _int(posted.get("list_id"), "list_id")
    made = []
    response = _act(
        request,
        session,
        user,
        list_id,
        lambda plist: made.append(more.item_from(session, plist, actor=user, kind=kind, ref=ref)),
    )
    if made:
        return RedirectResponse(f"/staff/pledges/{list_id}#item-{made[0].id}", status_code=303)
    return response


# ---------------------------------------------------------------- project library (项目库) and village ledgers


def _village_units(session: Session, jurisdiction_id: int) -> list[Unit]:
    from lianxin.orgs.models import UnitKind

    return [u for u in _units(session, jurisdiction_id) if u.kind in (UnitKind.COMMUNITY, UnitKind.GRID)] or _units(
        session, jurisdiction_id
    )


@router.get("/staff/pledges/library")
def staff_library(
    request: Request,
    year: str = "",
    unit: str = "",
    session: Session = Depends(get_session),
    user: User = Depends(require_roles(*STAFF)),
) -> Response:
    return _library_page(request, session, user, year=year, unit=unit)


def _library_page(
    request: Request,
    session: Session,
    user: User,
    *,
    year: str = "",
    unit: str = "",
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    from lianxin.pledges.models import PledgeProject

    year_n = int(year) if year.isdigit() and len(year) == 4 else service.local_today().year
    stmt = select(PledgeProject).where(
        PledgeProject.jurisdiction_id == user.jurisdiction_id, PledgeProject.year == year_n
    )
    unit_n = int(unit) if unit.isdigit() and len(unit) < 10 else None
    if unit_n:
        stmt = stmt.where(PledgeProject.unit_id == unit_n)
    projects = list(session.scalars(stmt.order_by(PledgeProject.unit_id, PledgeProject.id)))
    lists = [pl for pl in queries.staff_lists(session, user.jurisdiction_id) if pl.status in LIST_EDITABLE]
    by_unit: dict[str, float] = {}
    for p in projects:
        by_unit[p.unit.name] = by_unit.get(p.unit.name, 0) + float(p.funds_total)
    return render(
        request,
        "pledges/library.html",
        {
            "projects": projects,
            "year": year_n,
            "unit": unit_n,
            "villages": _village_units(session, user.jurisdiction_id),
            "types": more.PROJECT_TYPES,
            "statuses": more.PROJECT_STATUS,
            "lists": lists,
            "totals": {
                "count": len(projects),
                "funds": round(sum(float(p.funds_total) for p in projects), 2),
                "villages": len({p.unit_id for p in projects}),
            },
            "error": error,
            "is_leader": has_role(session, user, (Role.LEADER,)),
        },
        status_code=status_code,
    )


def _library_act(request: Request, session: Session, user: User, action, year: str = "") -> Response:
    try:
        with session.begin_nested():
            action()
    except LianxinError as exc:
        return _library_page(
            request, session, user, year=year, error=_message(request, exc), status_code=exc.http_status
        )
    return RedirectResponse(
        f"/staff/pledges/library?year={year}" if year else "/staff/pledges/library", status_code=303
    )


@router.post("/staff/pledges/library")
def staff_propose(
    request: Request,
    posted: FormData = Depends(posted_form()),
    session: Session = Depends(get_session),
    user: User = Depends(require_roles(*STAFF)),
) -> Response:
    funds = {str(posted.get(f"source_{n}", "")): str(posted.get(f"amount_{n}", "")) for n in range(1, 4)}
    year = str(posted.get("year", ""))
    return _library_act(
        request,
        session,
        user,
        lambda: more.propose_project(
            session,
            actor=user,
            unit_id=_int(posted.get("unit_id"), "unit_id"),
            title=str(posted.get("title", "")),
            project_type=str(posted.get("project_type", "")),
            year=_int(year, "year"),
            funds=funds,
            description=str(posted.get("description", "")),
        ),
        year,
    )


@router.post("/staff/pledges/library/{project_id}/decide")
def staff_decide_project(
    project_id: int,
    request: Request,
    posted: FormData = Depends(posted_form()),
    session: Session = Depends(get_session),
    user: User = Depends(require_roles(*STAFF)),
) -> Response:
    project = more.get_project(session, project_id, jurisdiction_id=user.jurisdiction_id)
    approve, note = posted.get("decision") == "approve", str(posted.get("note", ""))
    return _library_act(
        request,
        session,
        user,
        lambda: more.decide_project(session, project, actor=user, approve=approve, note=note),
        str(project.year),
    )


@router.post("/staff/pledges/library/{project_id}/promote")
def staff_promote_project(
    project_id: int,
    request: Request,
    posted: FormData = Depends(posted_form()),
    session: Session = Depends(get_session),
    user: User = Depends(require_roles(*STAFF)),
) -> Response:
    project = more.get_project(session, project_id, jurisdiction_id=user.jurisdiction_id)
    list_id = _int(posted.get("list_id"), "list_id")
    due = str(posted.get("due_on", ""))
    return _library_act(
        request,
        session,
        user,
        lambda: more.promote_project(
            session,
            project,
            service.get_list(session, list_id, jurisdiction_id=user.jurisdiction_id),
            actor=user,
            due_on=due,
        ),
        str(project.year),
    )


@router.get("/staff/pledges/villages/{unit_id}")
def staff_village(
    unit_id: int,
    request: Request,
    year: str = "",
    session: Session = Depends(get_session),
    user: User = Depends(require_roles(*STAFF)),
) -> Response:
    unit = session.get(Unit, unit_id)
    if unit is None or unit.jurisdiction_id != user.jurisdiction_id:
        raise NotFound(f"单位 {unit_id} 不存在", f"unit {unit_id} not found", field="unit")
    year_n = int(year) if year.isdigit() and len(year) == 4 else service.local_today().year
    return render(
        request,
        "pledges/village.html",
        {
            "ledger": overview.village_ledger(session, unit, year_n),
            "labels": _labels(),
            "statuses": more.PROJECT_STATUS,
            "today": service.local_today(),
        },
    )


# ---------------------------------------------------------------- Excel import


@router.get("/staff/pledges/{list_id}/import")
def staff_import_form(
    list_id: int, request: Request, session: Session = Depends(get_session), user: User = Depends(require_roles(*STAFF))
) -> Response:
    plist = service.get_list(session, list_id, jurisdiction_id=user.jurisdiction_id)
    return render(request, "pledges/import.html", {"plist": plist, "report": None, "error": None})


@router.post("/staff/pledges/{list_id}/import")
def staff_import(
    list_id: int,
    request: Request,
    posted: FormData = Depends(posted_form(max_files=1)),
    session: Session = Depends(get_session),
    user: User = Depends(require_roles(*STAFF)),
) -> Response:
    from lianxin.pledges.excel import MAX_IMPORT_BYTES, import_ledger

    plist = service.get_list(session, list_id, jurisdiction_id=user.jurisdiction_id)
    upload = posted.get("file")
    try:
        if not isinstance(upload, UploadFile) or not upload.filename:
            raise InvalidInput("请选择 .xlsx 文件", "choose an .xlsx file", field="file")
        data = upload.file.read(MAX_IMPORT_BYTES + 1)
        if len(data) > MAX_IMPORT_BYTES:
            raise InvalidInput("文件超过 20 MB", "the file is larger than 20 MB", field="file")
        with session.begin_nested():
            report = import_ledger(session, plist, data, actor=user)
    except LianxinError as exc:
        return render(
            request,
            "pledges/import.html",
            {"plist": plist, "report": None, "error": _message(request, exc)},
            status_code=exc.http_status,
        )
    counts = {a: sum(1 for r in report if r.action == a) for a in ("added", "updated", "unchanged", "error")}
    return render(request, "pledges/import.html", {"plist": plist, "report": report, "counts": counts, "error": None})


@router.post("/staff/pledges/items/{item_id}/derived")
def staff_derived_target(
    item_id: int,
    request: Request,
    posted: FormData = Depends(posted_form()),
    session: Session = Depends(get_session),
    user: User = Depends(require_roles(*STAFF)),
) -> Response:
    category = _int(posted.get("category_id"), "category_id", optional=True)
    return _item_act(
        request,
        session,
        user,
        item_id,
        lambda item: more.add_derived_target(
            session,
            item,
            actor=user,
            name=str(posted.get("name") or "相关 12345 诉求量"),
            category_id=category,
            place=str(posted.get("place", "")),
            baseline_from=str(posted.get("baseline_from", "")),
            baseline_to=str(posted.get("baseline_to", "")),
            reduction_pct=str(posted.get("reduction_pct", "")),
        ),
    )
