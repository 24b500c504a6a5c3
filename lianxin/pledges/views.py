"""办实事 staff pages (the public ones are ``public_views.py``; the status vocabulary, links, project library,
village ledgers, import and derived indicators ``admin_views.py``). Staff: ``/staff/pledges`` the owners'
workbench (lists, items, progress, milestones, meetings, 自评/综合评议). Leaders: ``/leader/pledges``
completion by unit, overdue items and a chart. Each handler parses the form, calls one service verb
inside a savepoint, and redirects; a domain error shows the page again with the message and changes nothing."""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.datastructures import FormData, UploadFile

from lianxin.errors import InvalidInput, LianxinError
from lianxin.orgs.models import Role, Unit, User
from lianxin.orgs.service import has_role
from lianxin.pledges import follow, meetings, more, overview, queries, ratings, service, versions, work
from lianxin.pledges.documents import store_documents
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
from lianxin.web.deps import get_session, require_roles, require_user
from lianxin.web.forms import posted_form
from lianxin.web.i18n import pick_lang
from lianxin.web.templating import render
from lianxin.web.uploads import read_photos

router = APIRouter()
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


def _query_int(request: Request, name: str, default: int | None = None) -> int | None:
    value = request.query_params.get(name, "")
    return int(value) if value.isdigit() and len(value) < 10 else default


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
            plist = versions.create_list(
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


LIST_VERBS = {"approve": versions.approve_list, "revise": versions.revise_list, "archive": versions.archive_list}


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
            versions.publish_list(session, plist, actor=user, note=note)
        elif verb == "archive":
            versions.archive_list(session, plist, actor=user)
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
        lambda item: work.report_progress(
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
        lambda item: work.add_milestone(
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
            work.complete_item(session, item, actor=user, note=note)
        else:
            work.change_item_status(session, item, verb, actor=user, note=note)

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
    rows, overdue = overview.unit_overview(session, user.jurisdiction_id, year=year_n)
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
            "chart": overview.completion_chart(rows, pick_lang(request)),
            "labels": _labels(),
            "summary": {"total": total, "done": done, "rate": round(100 * done / total, 1) if total else None},
        },
    )
