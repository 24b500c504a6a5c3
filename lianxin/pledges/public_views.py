"""办实事 public pages (no login, mobile first): ``/pledges`` the published lists by unit and year (and the area
pages), ``/pledges/lists/{id}`` a ledger (the published commitments, targets, progress bars, milestones, a
status chart and a map, change history, the residents' rating form) and its Excel export, an item's page and
its milestone photos, the residents' rating."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import FileResponse, RedirectResponse, Response
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from lianxin.errors import LianxinError, NotFound
from lianxin.orgs.models import Unit
from lianxin.pledges import public, queries, ratings, service
from lianxin.pledges.documents import follow_context
from lianxin.pledges.models import PledgeList
from lianxin.pledges.status import (
    ItemStatus,
)
from lianxin.pledges.views import _labels, _message, _query_int, _xlsx
from lianxin.web.deps import get_session, public_jurisdiction
from lianxin.web.forms import posted_form
from lianxin.web.i18n import pick_lang
from lianxin.web.templating import render
from lianxin.web.uploads import stored_path

router = APIRouter()


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
            "points": public.map_points(session, [plist.id], lambda: queries.promised_items(session, plist)),
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
