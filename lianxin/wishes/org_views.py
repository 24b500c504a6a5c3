"""党组织书记的看板 (/wishes/org): a secretary sees their organisation (and those below it) — the year's quota
progress of the organisation and of each member, the ranking by month, overdue claims and the members' 双报到 —
and exports it to Excel. Leaders may open any organisation's board (``?org=``) and keep the tree of
organisations (/wishes/orgs: add an organisation under another, link it to its unit, appoint its secretary)."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from lianxin.errors import InvalidInput, LianxinError, NotFound, PermissionDenied
from lianxin.orgs.models import Role, Unit, User
from lianxin.orgs.service import has_role
from lianxin.web.deps import get_session, require_roles
from lianxin.web.forms import posted_form
from lianxin.web.intake import community_choices
from lianxin.web.templating import render
from lianxin.wishes import people, queries
from lianxin.wishes import service as svc
from lianxin.wishes.export import org_workbook
from lianxin.wishes.models import DualReport, Member, OrgKind, PartyOrg
from lianxin.wishes.views import _ctx, _get, _int, _message

router = APIRouter()
READERS = (Role.PARTY_SECRETARY, Role.LEADER)


def _board(session: Session, user: User, org: int | None, year: int | None, month: int | None):
    orgs = people.orgs_led_by(session, user)
    if not orgs:
        raise PermissionDenied("您不是任何党组织的书记", "you are not the secretary of any party organisation")
    chosen = orgs[0] if org is None else next((o for o in orgs if o.id == org), None)
    if chosen is None:
        if session.get(PartyOrg, org) is None:
            raise NotFound(f"党组织 {org} 不存在", f"no party organisation {org}")
        raise PermissionDenied("只能查看您所在党组织的看板", "only your own organisation's board")
    year = year if year and 2000 <= year <= 2100 else svc.today().year
    month = month if month and 1 <= month <= 12 else None
    return orgs, queries.org_board(session, chosen, year, month)


@router.get("/wishes/org")
def org_board(
    request: Request,
    org: int | None = None,
    year: int | None = None,
    month: int | None = None,
    session: Session = Depends(get_session),
    user: User = Depends(require_roles(*READERS)),
) -> Response:
    if org is None and not people.orgs_led_by(session, user):
        # before any organisation is registered (or appointed to this user): say where to start, not a 403
        return render(request, "wishes/org_empty.html", _ctx(may_add=has_role(session, user, svc.LEADER_ROLES)))
    orgs, board = _board(session, user, org, year, month)
    return _board_page(request, session, orgs, board)


def _board_page(request: Request, session: Session, orgs, board, error: str | None = None, status_code: int = 200):
    return render(
        request,
        "wishes/org.html",
        _ctx(
            orgs=orgs,
            board=board,
            org_reports=session.scalars(
                select(DualReport).where(DualReport.org_id == board.org.id).order_by(DualReport.id)
            ).all(),
            communities=community_choices(session, board.org.jurisdiction_id),
            error=error,
        ),
        status_code=status_code,
    )


@router.post("/wishes/org/{org_id}/report")
def org_report(
    org_id: int,
    request: Request,
    form: FormData = Depends(posted_form()),
    session: Session = Depends(get_session),
    user: User = Depends(require_roles(*READERS)),
) -> Response:
    """组织双报到: the secretary reports the organisation to a residential community, which confirms it."""
    orgs, board = _board(session, user, org_id, None, None)
    try:
        with session.begin_nested():
            community = session.get(Unit, _int(_get(form, "community_id"), "community_id"))
            if community is None:
                raise InvalidInput("请选择社区", "choose a community", field="community_id")
            people.report_to_community(session, community=community, org=board.org, note=_get(form, "note"))
    except LianxinError as exc:
        return _board_page(request, session, orgs, board, error=_message(request, exc), status_code=exc.http_status)
    return RedirectResponse(f"/wishes/org?org={org_id}#org-reports", status_code=303)


@router.get("/wishes/org.xlsx")
def org_export(
    org: int | None = None,
    year: int | None = None,
    session: Session = Depends(get_session),
    user: User = Depends(require_roles(*READERS)),
) -> Response:
    _, board = _board(session, user, org, year, None)
    name = f"wishes-org-{board.org.id}-{board.year}.xlsx"
    return Response(
        org_workbook(board),
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={
            "Content-Disposition": f"attachment; filename=\"{name}\"; filename*=UTF-8''"
            f"{quote(board.org.name + '-微心愿-' + str(board.year) + '.xlsx')}"
        },
    )


# --- the tree of party organisations (leaders and admins) -------------------------------------------------


def _tree(session: Session, jid: int) -> list[tuple[int, PartyOrg, int]]:
    """(depth, organisation, members) in tree order."""
    orgs = session.scalars(select(PartyOrg).where(PartyOrg.jurisdiction_id == jid).order_by(PartyOrg.id)).all()
    counts = dict(
        session.execute(
            select(Member.org_id, func.count()).where(Member.jurisdiction_id == jid).group_by(Member.org_id)
        ).all()
    )
    children: dict[int | None, list[PartyOrg]] = {}
    for org in orgs:
        children.setdefault(org.parent_id, []).append(org)
    rows: list[tuple[int, PartyOrg, int]] = []

    def walk(parent: int | None, depth: int) -> None:
        for org in children.get(parent, []):
            rows.append((depth, org, counts.get(org.id, 0)))
            walk(org.id, depth + 1)

    walk(None, 0)
    return rows


def _orgs_page(request: Request, session: Session, user: User, error: str | None = None, status_code: int = 200):
    return render(
        request,
        "wishes/orgs.html",
        _ctx(
            tree=_tree(session, user.jurisdiction_id),
            kinds=list(OrgKind),
            secretaries={
                u.id: u for u in session.scalars(select(User).where(User.jurisdiction_id == user.jurisdiction_id))
            },
            error=error,
            saved=request.query_params.get("saved") == "1",
        ),
        status_code=status_code,
    )


@router.get("/wishes/orgs")
def orgs_page(
    request: Request, session: Session = Depends(get_session), user: User = Depends(require_roles(Role.LEADER))
) -> Response:
    """党组织: the tree (党委 / 党总支 / 党支部), each with its unit, secretary and members."""
    return _orgs_page(request, session, user)


@router.post("/wishes/orgs")
def add_org(
    request: Request,
    form: FormData = Depends(posted_form()),
    session: Session = Depends(get_session),
    user: User = Depends(require_roles(Role.LEADER)),
) -> Response:
    try:
        with session.begin_nested():
            parent = _org(session, user, _get(form, "parent_id")) if _get(form, "parent_id") else None
            unit = None
            if _get(form, "unit_code"):
                unit = session.scalar(
                    select(Unit).where(
                        Unit.jurisdiction_id == user.jurisdiction_id, Unit.code == _get(form, "unit_code")
                    )
                )
                if unit is None:
                    raise InvalidInput("没有这个单位编码", "no unit with this code", field="unit_code")
            org = people.create_party_org(
                session,
                jurisdiction_id=user.jurisdiction_id,
                kind=_get(form, "kind"),
                name=_get(form, "name"),
                parent=parent,
                unit=unit,
                actor=user,
            )
            if _get(form, "secretary"):
                people.set_secretary(session, org, _user(session, user, _get(form, "secretary")), actor=user)
    except LianxinError as exc:
        return _orgs_page(request, session, user, error=_message(request, exc), status_code=exc.http_status)
    return RedirectResponse("/wishes/orgs?saved=1", status_code=303)


@router.post("/wishes/orgs/{org_id}/secretary")
def appoint(
    org_id: int,
    request: Request,
    form: FormData = Depends(posted_form()),
    session: Session = Depends(get_session),
    user: User = Depends(require_roles(Role.LEADER)),
) -> Response:
    """任命书记: by the login's user name."""
    try:
        with session.begin_nested():
            org = _org(session, user, str(org_id))
            people.set_secretary(session, org, _user(session, user, _get(form, "secretary")), actor=user)
    except LianxinError as exc:
        return _orgs_page(request, session, user, error=_message(request, exc), status_code=exc.http_status)
    return RedirectResponse("/wishes/orgs?saved=1", status_code=303)


def _org(session: Session, user: User, value: str) -> PartyOrg:
    org = session.get(PartyOrg, _int(value, "parent_id"))
    if org is None or org.jurisdiction_id != user.jurisdiction_id:
        raise InvalidInput("没有这个党组织", "no such party organisation", field="parent_id")
    return org


def _user(session: Session, user: User, username: str) -> User:
    found = session.scalar(
        select(User).where(User.jurisdiction_id == user.jurisdiction_id, User.username == username.strip())
    )
    if found is None or not found.active:
        raise InvalidInput("没有这个登录账号", "no active login with this user name", field="secretary")
    return found
