"""办实事 pages. Public (no login, mobile first): ``/pledges`` the published lists by unit and year,
``/pledges/lists/{id}`` a ledger (the published commitments, targets, progress bars, milestones, change
history, the residents' rating form) and its Excel export. Staff: ``/staff/pledges`` the owners'
workbench (lists, items, progress, milestones, meetings, 自评/综合评议). Leaders: ``/leader/pledges``
completion by unit, overdue items and a chart. Each handler parses the form, calls one service verb
inside a savepoint, and redirects; a domain error shows the page again with the message and changes nothing."""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable

from fastapi import APIRouter, Depends, Request
from fastapi.responses import FileResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.datastructures import FormData, UploadFile

from lianxin.errors import InvalidInput, LianxinError, NotFound
from lianxin.orgs.models import Role, Unit, User
from lianxin.orgs.service import has_role
from lianxin.pledges import follow, meetings, more, public, queries, ratings, service
from lianxin.pledges.documents import follow_context, store_documents
from lianxin.pledges.excel import ledger_workbook
from lianxin.pledges.models import PledgeList
from lianxin.pledges.status import (
    ITEM_LABELS,
    LIST_EDITABLE,
    LIST_LABELS,
    RATING_LABELS,
    ItemAction,
    ItemStatus,
    ListStatus,
    allowed_item_actions,
    allowed_list_actions,
)
from lianxin.web.deps import get_session, public_jurisdiction, require_roles, require_user
from lianxin.web.forms import posted_form
from lianxin.web.i18n import pick_lang
from lianxin.web.templating import render
from lianxin.web.uploads import read_photos, stored_path

router = APIRouter()
# Fixed paths under /staff/pledges/ that must be matched before /staff/pledges/{list_id} (listed first in MODULE).
early = APIRouter()
STAFF = (Role.LEADER, Role.HANDLER)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _store_photos(request: Request, form: FormData) -> list[str]:
    """Validate and re-encode the form's ``photos`` (metadata dropped) and write them under ``pledges/``."""
    photos = read_photos([f for f in form.getlist("photos") if isinstance(f, UploadFile)])
    upload_dir = request.app.state.settings.upload_dir
    keys = []
    for photo in photos:
        key = f"pledges/{service.local_today():%Y/%m}/{secrets.token_urlsafe(18)}.{photo.extension}"
        path = upload_dir / key
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(photo.data)
        keys.append(key)
    return keys


def _message(request: Request, exc: LianxinError) -> str:
    return exc.message_en if pick_lang(request) == "en" else exc.message_zh


def _int(value, field: str, *, optional: bool = False) -> int | None:
    value = (value or "").strip() if isinstance(value, str) else value
    if optional and value in (None, ""):
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise InvalidInput("请填写整数", "a whole number is required", field=field) from None
    if not -(2**31) < number < 2**31:
        raise InvalidInput("数值超出范围", "a value is out of range", field=field)
    return number


def _units(session: Session, jurisdiction_id: int) -> list[Unit]:
    return list(
        session.scalars(
            select(Unit)
            .where(Unit.jurisdiction_id == jurisdiction_id, Unit.active.is_(True))
            .order_by(Unit.kind, Unit.name)
        )
    )


def _categories(session: Session, jurisdiction_id: int) -> list:
    from lianxin.appeals.models import Category

    return list(
        session.execute(
            select(Category.id, Category.name, Category.level)
            .where(Category.jurisdiction_id == jurisdiction_id, Category.active.is_(True), Category.level <= 2)
            .order_by(Category.sort, Category.id)
        )
    )


def _labels(session: Session | None = None, jurisdiction_id: int | None = None) -> dict:
    vocab = more.vocabulary_labels(session, jurisdiction_id) if session is not None else {}
    return {
        "item": ITEM_LABELS,
        "list": LIST_LABELS,
        "rating": RATING_LABELS,
        "fields": queries.FIELD_LABELS,
        "vocab": vocab,
        "links": more.LINK_KINDS,
    }


# ---------------------------------------------------------------- public


@router.get("/pledges")
def public_index(request: Request, year: str = "", unit: str = "", session: Session = Depends(get_session)) -> Response:
    jurisdiction = public_jurisdiction(request, session)
    year_n = int(year) if year.isdigit() and len(year) == 4 else None
    unit_n = int(unit) if unit.isdigit() and len(unit) < 10 else None
    lists = queries.published_lists(session, jurisdiction.id, year=year_n, unit_id=unit_n)
    everything = queries.published_lists(session, jurisdiction.id)
    owners = {pl.owner_unit for pl in everything if pl.owner_unit}
    # an area page per owning unit and the units above it (a district shows its streets' lists too)
    areas = owners | {u.parent for u in owners if u.parent is not None and u.parent.kind.value != "centre"}
    units = sorted({(u.id, u.name) for u in areas}, key=lambda u: u[1])
    years = sorted({pl.year for pl in everything}, reverse=True)
    figures = queries.list_figures(session, [pl.id for pl in lists])
    return render(
        request,
        "pledges/index.html",
        {
            "jurisdiction": jurisdiction,
            "lists": lists,
            "units": units,
            "years": years,
            "year": year_n,
            "unit": unit_n,
            "figures": figures,
            "labels": _labels(),
        },
    )


def _public_list(request: Request, session: Session, list_id: int) -> PledgeList:
    jurisdiction = public_jurisdiction(request, session)
    plist = session.get(PledgeList, list_id)
    if (
        plist is None
        or plist.jurisdiction_id != jurisdiction.id
        or plist.status not in queries.PUBLIC_STATUSES
        or plist.version == 0
    ):
        raise NotFound(f"清单 {list_id} 不存在或尚未公示", f"list {list_id} not found or not published", field="list")
    return plist


def _query_int(request: Request, name: str, default: int | None = None) -> int | None:
    value = request.query_params.get(name, "")
    return int(value) if value.isdigit() and len(value) < 10 else default


def _ledger_page(
    request: Request,
    session: Session,
    list_id: int,
    *,
    error: str | None = None,
    error_item: int | None = None,
    status_code: int = 200,
) -> Response:
    plist = _public_list(request, session, list_id)
    status = request.query_params.get("status", "")
    status = status if status in set(ItemStatus) else ""
    q = request.query_params.get("q", "").strip()[:50]
    unit = _query_int(request, "unit")
    page = queries.ledger_page(
        session, plist, public=True, page=_query_int(request, "page", 1), status=status, q=q, unit_id=unit
    )
    return render(
        request,
        "pledges/ledger.html",
        {
            "plist": plist,
            "rows": page.rows,
            "page": page,
            "filters": {"status": status, "q": q, "unit": unit},
            "units": queries.list_units(session, plist),
            "history": queries.history(session, plist),
            "labels": _labels(session, plist.jurisdiction_id),
            "error": error,
            "error_item": error_item,
            "rated": request.query_params.get("rated"),
            "summary": page.summary,
            "status_option": public.status_chart(page.summary["by_status"], pick_lang(request)),
            "points": public.map_points(session, [plist.id], set(queries.promised_items(session, plist))),
        },
        status_code=status_code,
    )


@router.get("/pledges/lists/{list_id}")
def public_ledger(list_id: int, request: Request, session: Session = Depends(get_session)) -> Response:
    return _ledger_page(request, session, list_id)


def _item_page(
    request: Request,
    session: Session,
    item_id: int,
    *,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    jurisdiction = public_jurisdiction(request, session)
    item = service.get_item(session, item_id, jurisdiction_id=jurisdiction.id)
    plist = _public_list(request, session, item.list_id)
    promised = queries.promised_items(session, plist)
    if str(item.id) not in promised:
        raise NotFound(f"事项 {item_id} 尚未公示", f"item {item_id} is not published", field="item")
    rows = queries.ledger(session, plist, public=True, only=[item.id], promised=promised, depths={item.id: 0})
    parent = promised.get(str(item.parent_id)) if item.parent_id else None
    children = [
        (int(k), v["title"]) for k, v in promised.items() if v.get("parent_id") == item.id and not v.get("cancelled")
    ]
    return render(
        request,
        "pledges/item.html",
        {
            "plist": plist,
            "row": rows[0],
            "parent": (item.parent_id, parent["title"]) if parent else None,
            "children": sorted(children)[:200],
            "links": queries.item_links(session, item, public=True),
            "co_units": [session.get(Unit, uid).name for uid in item.co_unit_ids or () if session.get(Unit, uid)],
            "labels": _labels(session, plist.jurisdiction_id),
            "error": error,
            "rated": request.query_params.get("rated"),
        }
        | follow_context(request, session, item),
        status_code=status_code,
    )


@router.get("/pledges/milestones/{milestone_id}/photos/{n}")
def public_milestone_photo(
    milestone_id: int, n: int, request: Request, session: Session = Depends(get_session)
) -> Response:
    """A milestone's photo, public once its list is published (photos are re-encoded without metadata)."""
    from lianxin.pledges.models import PledgeMilestone

    milestone = session.get(PledgeMilestone, milestone_id)
    if milestone is None or not 0 <= n < len(milestone.photos or []):
        raise NotFound("照片不存在", "no such photo")
    item = service.get_item(session, milestone.item_id, jurisdiction_id=public_jurisdiction(request, session).id)
    _public_list(request, session, item.list_id)
    path = stored_path(request.app.state.settings.upload_dir, milestone.photos[n])
    if not path.is_file():
        raise NotFound("照片不存在", "no such photo")
    return FileResponse(
        path,
        headers={
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "public, max-age=3600",
            "Content-Security-Policy": "default-src 'none'",
        },
    )


@router.get("/pledges/items/{item_id}")
def public_item(item_id: int, request: Request, session: Session = Depends(get_session)) -> Response:
    return _item_page(request, session, item_id)


@router.post("/pledges/items/{item_id}/rate")
def public_rate(
    item_id: int, request: Request, posted: FormData = Depends(posted_form()), session: Session = Depends(get_session)
) -> Response:
    jurisdiction = public_jurisdiction(request, session)
    item = service.get_item(session, item_id, jurisdiction_id=jurisdiction.id)
    plist = _public_list(request, session, item.list_id)
    try:
        with session.begin_nested():
            ratings.rate_publicly(
                session,
                item,
                phone=str(posted.get("phone", "")),
                stars=posted.get("stars", ""),
                comment=str(posted.get("comment", "")),
            )
    except LianxinError as exc:
        if posted.get("from") == "item":
            return _item_page(request, session, item.id, error=_message(request, exc), status_code=exc.http_status)
        return _ledger_page(
            request, session, plist.id, error=_message(request, exc), error_item=item.id, status_code=exc.http_status
        )
    if posted.get("from") == "item":
        return RedirectResponse(f"/pledges/items/{item.id}?rated=1", status_code=303)
    return RedirectResponse(f"/pledges/lists/{plist.id}?rated={item.id}#item-{item.id}", status_code=303)


@router.get("/pledges/lists/{list_id}/ledger.xlsx")
def public_export(list_id: int, request: Request, session: Session = Depends(get_session)) -> Response:
    plist = _public_list(request, session, list_id)
    return _xlsx(plist, queries.ledger(session, plist, public=True))


def _xlsx(plist: PledgeList, rows) -> Response:
    body = ledger_workbook(plist, rows)
    name = f"pledges-{plist.year}-{plist.id}.xlsx"
    return Response(body, media_type=XLSX, headers={"Content-Disposition": f'attachment; filename="{name}"'})


# ---------------------------------------------------------------- staff workbench


@router.get("/staff/pledges")
def staff_index(
    request: Request, session: Session = Depends(get_session), user: User = Depends(require_roles(*STAFF))
) -> Response:
    return _staff_index(request, session, user)


def _staff_index(
    request: Request, session: Session, user: User, *, error: str | None = None, status_code: int = 200
) -> Response:
    lists = queries.staff_lists(session, user.jurisdiction_id)
    return render(
        request,
        "pledges/staff_index.html",
        {
            "lists": lists,
            "units": _units(session, user.jurisdiction_id),
            "labels": _labels(),
            "error": error,
            "figures": queries.list_figures(session, [pl.id for pl in lists]),
        },
        status_code=status_code,
    )


@router.post("/staff/pledges")
def staff_create(
    request: Request,
    posted: FormData = Depends(posted_form()),
    session: Session = Depends(get_session),
    user: User = Depends(require_roles(*STAFF)),
) -> Response:
    try:
        with session.begin_nested():
            plist = service.create_list(
                session,
                actor=user,
                title=str(posted.get("title", "")),
                year=_int(posted.get("year"), "year"),
                campaign=str(posted.get("campaign") or "我为群众办实事"),
                owner_unit_id=_int(posted.get("owner_unit_id"), "owner_unit", optional=True),
                party_org_id=_int(posted.get("party_org_id"), "party_org_id", optional=True),
                description=str(posted.get("description", "")),
            )
    except LianxinError as exc:
        return _staff_index(request, session, user, error=_message(request, exc), status_code=exc.http_status)
    return RedirectResponse(f"/staff/pledges/{plist.id}", status_code=303)


def _workbench(
    request: Request, session: Session, user: User, list_id: int, *, error: str | None = None, status_code: int = 200
) -> Response:
    from lianxin.pledges.pages import meetings_context

    plist = service.get_list(session, list_id, jurisdiction_id=user.jurisdiction_id)
    status = request.query_params.get("status", "")
    status = status if status in set(ItemStatus) else ""
    q = request.query_params.get("q", "").strip()[:50]
    page = queries.ledger_page(session, plist, public=False, page=_query_int(request, "page", 1), status=status, q=q)
    rows = page.rows
    return render(
        request,
        "pledges/workbench.html",
        meetings_context(session, user, plist, rows)
        | {
            "plist": plist,
            "rows": rows,
            "page": page,
            "filters": {"status": status, "q": q},
            "parent_options": follow.parent_options(session, plist),
            "labels": _labels(session, plist.jurisdiction_id),
            "vocabulary": [v for v in more.ensure_vocabulary(session, plist.jurisdiction_id) if v.active],
            "categories": _categories(session, plist.jurisdiction_id),
            "links": queries.links_by_item(session, [r.item.id for r in rows]),
            "error": error,
            "units": _units(session, user.jurisdiction_id),
            "list_actions": allowed_list_actions(plist.status),
            "editable": plist.status in LIST_EDITABLE,
            "can_manage": service.can_manage(session, user, plist),
            "can_decide": service.can_decide(session, user, plist),
            "is_leader": has_role(session, user, (Role.LEADER,)),
            "item_actions": allowed_item_actions,
            "history": queries.history(session, plist),
            "ItemStatus": ItemStatus,
            "ListStatus": ListStatus,
        },
        status_code=status_code,
    )


@router.get("/staff/pledges/{list_id}")
def staff_workbench(
    list_id: int, request: Request, session: Session = Depends(get_session), user: User = Depends(require_roles(*STAFF))
) -> Response:
    return _workbench(request, session, user, list_id)


@router.get("/staff/pledges/{list_id}/ledger.xlsx")
def staff_export(
    list_id: int, session: Session = Depends(get_session), user: User = Depends(require_roles(*STAFF))
) -> Response:
    plist = service.get_list(session, list_id, jurisdiction_id=user.jurisdiction_id)
    return _xlsx(plist, queries.ledger(session, plist, public=False))


def _act(
    request: Request,
    session: Session,
    user: User,
    list_id: int,
    action: Callable[[PledgeList], object],
    anchor: str = "",
    to: str | None = None,
) -> Response:
    try:
        with session.begin_nested():
            action(service.get_list(session, list_id, jurisdiction_id=user.jurisdiction_id))
    except LianxinError as exc:
        return _workbench(request, session, user, list_id, error=_message(request, exc), status_code=exc.http_status)
    return RedirectResponse(f"{to or f'/staff/pledges/{list_id}'}{anchor}", status_code=303)


LIST_VERBS = {"approve": service.approve_list, "revise": service.revise_list, "archive": service.archive_list}


@router.post("/staff/pledges/{list_id}/lifecycle")
def staff_lifecycle(
    list_id: int,
    request: Request,
    posted: FormData = Depends(posted_form()),
    session: Session = Depends(get_session),
    user: User = Depends(require_roles(*STAFF)),
) -> Response:
    verb, note = str(posted.get("action", "")), str(posted.get("note", ""))

    def action(plist: PledgeList) -> None:
        if verb == "publish":
            service.publish_list(session, plist, actor=user, note=note)
        elif verb == "archive":
            service.archive_list(session, plist, actor=user)
        elif verb in LIST_VERBS:
            LIST_VERBS[verb](session, plist, actor=user, note=note)
        else:
            raise InvalidInput("未知操作", "unknown action", field="action")

    return _act(request, session, user, list_id, action)


def _item_fields(posted: FormData, names) -> dict:
    return {n: str(posted.get(n, "")) for n in names if n in posted}


@router.post("/staff/pledges/{list_id}/items")
def staff_add_item(
    list_id: int,
    request: Request,
    posted: FormData = Depends(posted_form()),
    session: Session = Depends(get_session),
    user: User = Depends(require_roles(*STAFF)),
) -> Response:
    fields = _item_fields(
        posted,
        (
            "title",
            "owner_unit_id",
            "parent_id",
            "lead_official",
            "category",
            "area",
            "start_on",
            "due_on",
            "budget_planned",
            "fund_source",
            "weight",
            "description",
        ),
    )
    fields = {k: v for k, v in fields.items() if v != "" or k == "title"}
    co_units = [str(v) for v in posted.getlist("co_unit_ids") if str(v).strip()]
    if co_units:
        fields["co_unit_ids"] = [_int(v, "co_unit_ids") for v in co_units]
    targets = []
    if str(posted.get("target_name", "")).strip():
        targets.append(
            {
                "name": str(posted.get("target_name")),
                "unit": str(posted.get("target_unit", "")),
                "baseline": str(posted.get("target_baseline", "")),
                "baseline_period": str(posted.get("target_period", "")),
                "target": str(posted.get("target_value", "")),
                "method": str(posted.get("target_method", "")),
                "direction": str(posted.get("target_direction", "")),
            }
        )
    return _act(
        request,
        session,
        user,
        list_id,
        lambda plist: service.add_item(session, plist, actor=user, targets=targets, **fields),
    )


def _item_act(request: Request, session: Session, user: User, item_id: int, action) -> Response:
    item = service.get_item(session, item_id, jurisdiction_id=user.jurisdiction_id)
    return _act(request, session, user, item.list_id, lambda _plist: action(item), anchor=f"#item-{item.id}")


@router.post("/staff/pledges/items/{item_id}/edit")
def staff_edit_item(
    item_id: int,
    request: Request,
    posted: FormData = Depends(posted_form()),
    session: Session = Depends(get_session),
    user: User = Depends(require_roles(*STAFF)),
) -> Response:
    fields = _item_fields(posted, ("title", "lead_official", "due_on", "budget_planned", "budget_spent", "weight"))
    return _item_act(
        request, session, user, item_id, lambda item: service.update_item(session, item, actor=user, **fields)
    )


@router.post("/staff/pledges/items/{item_id}/progress")
def staff_progress(
    item_id: int,
    request: Request,
    posted: FormData = Depends(posted_form()),
    session: Session = Depends(get_session),
    user: User = Depends(require_roles(*STAFF)),
) -> Response:
    target_id = _int(posted.get("target_id"), "target_id", optional=True)
    return _item_act(
        request,
        session,
        user,
        item_id,
        lambda item: service.report_progress(
            session,
            item,
            actor=user,
            progress=str(posted.get("progress", "")),
            target_id=target_id,
            value=str(posted.get("value", "")),
            note=str(posted.get("note", "")),
        ),
    )


@router.post("/staff/pledges/items/{item_id}/milestones")
def staff_milestone(
    item_id: int,
    request: Request,
    posted: FormData = Depends(posted_form()),
    session: Session = Depends(get_session),
    user: User = Depends(require_roles(*STAFF)),
) -> Response:
    return _item_act(
        request,
        session,
        user,
        item_id,
        lambda item: service.add_milestone(
            session,
            item,
            actor=user,
            title=str(posted.get("title", "")),
            dated=str(posted.get("dated", "")),
            text=str(posted.get("text", "")),
            progress=str(posted.get("progress", "")),
            photos=_store_photos(request, posted),
            documents=store_documents(request.app.state.settings.upload_dir, posted.getlist("documents")),
        ),
    )


@router.post("/staff/pledges/items/{item_id}/status")
def staff_item_status(
    item_id: int,
    request: Request,
    posted: FormData = Depends(posted_form()),
    session: Session = Depends(get_session),
    user: User = Depends(require_roles(*STAFF)),
) -> Response:
    verb, note = str(posted.get("action", "")), str(posted.get("note", ""))

    def action(item) -> None:
        if verb == ItemAction.COMPLETE:
            service.complete_item(session, item, actor=user, note=note)
        else:
            service.change_item_status(session, item, verb, actor=user, note=note)

    return _item_act(request, session, user, item_id, action)


@router.post("/staff/pledges/items/{item_id}/rate")
def staff_rate(
    item_id: int,
    request: Request,
    posted: FormData = Depends(posted_form()),
    session: Session = Depends(get_session),
    user: User = Depends(require_roles(*STAFF)),
) -> Response:
    kind, score, comment = str(posted.get("kind", "")), str(posted.get("score", "")), str(posted.get("comment", ""))

    def action(item) -> None:
        if kind == "self":
            ratings.self_assess(session, item, actor=user, score=score, comment=comment)
        elif kind == "review":
            ratings.review_item(session, item, actor=user, score=score, comment=comment)
        else:
            raise InvalidInput("未知评价类型", "unknown rating kind", field="kind")

    return _item_act(request, session, user, item_id, action)


@router.post("/staff/pledges/{list_id}/meetings")
def staff_meeting(
    list_id: int,
    request: Request,
    posted: FormData = Depends(posted_form()),
    session: Session = Depends(get_session),
    user: User = Depends(require_user),  # managers and the list's meeting secretaries (record_meeting checks)
) -> Response:
    decisions = []
    for key in posted.keys():
        match = re.fullmatch(r"decision_(\d{1,9})", key)
        if match and str(posted.get(key, "")).strip():
            n = match.group(1)
            decisions.append(
                {
                    "item_id": int(n),
                    "decision": str(posted.get(key)),
                    "ticked": posted.get(f"tick_{n}") == "1",
                    "completes": posted.get(f"complete_{n}") == "1",
                    "follow_up": str(posted.get(f"follow_up_{n}", "")),
                    "follow_up_owner": str(posted.get(f"follow_up_owner_{n}", "")),
                    "follow_up_due": str(posted.get(f"follow_up_due_{n}", "")),
                }
            )
    new_items = [
        {
            "title": str(posted.get(f"new_title_{n}", "")),
            "owner_unit_id": _int(posted.get(f"new_unit_{n}"), "owner_unit", optional=True),
            "due_on": str(posted.get(f"new_due_{n}", "")),
            "decision": str(posted.get(f"new_decision_{n}", "")),
        }
        for n in range(1, 4)
        if str(posted.get(f"new_title_{n}", "")).strip()
    ]
    attendees = re.split(r"[,，、;；\n]+", str(posted.get("attendees", "")))
    return _act(
        request,
        session,
        user,
        list_id,
        lambda plist: meetings.record_meeting(
            session,
            plist,
            actor=user,
            title=str(posted.get("title", "")),
            held_on=str(posted.get("held_on", "")),
            attendees=attendees,
            minutes=str(posted.get("minutes", "")),
            decisions=decisions,
            new_items=new_items,
        ),
        anchor="#meetings",
        to=f"/staff/pledges/{list_id}/meetings" if posted.get("back") == "meetings" else None,
    )


# ---------------------------------------------------------------- leaders


@router.get("/leader/pledges")
def leader_overview(
    request: Request,
    year: str = "",
    session: Session = Depends(get_session),
    user: User = Depends(require_roles(Role.LEADER)),
) -> Response:
    years = queries.list_years(session, user.jurisdiction_id)
    this_year = service.local_today().year
    year_n = (
        int(year)
        if year.isdigit() and len(year) == 4
        else (this_year if this_year in years else (years[0] if years else None))
    )
    rows, overdue = queries.unit_overview(session, user.jurisdiction_id, year=year_n)
    total = sum(r.total for r in rows)
    done = sum(r.completed for r in rows)
    return render(
        request,
        "pledges/overview.html",
        {
            "rows": rows,
            "overdue": overdue[:100],
            "overdue_count": len(overdue),
            "years": years,
            "year": year_n,
            "chart": queries.completion_chart(rows, pick_lang(request)),
            "labels": _labels(),
            "summary": {"total": total, "done": done, "rate": round(100 * done / total, 1) if total else None},
        },
    )


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


@early.get("/staff/pledges/linked")
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


@early.get("/staff/pledges/library")
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
            "ledger": queries.village_ledger(session, unit, year_n),
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
