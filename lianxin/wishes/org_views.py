"""党组织书记的看板 (/wishes/org): a secretary sees their organisation (and those below it) — the year's quota
progress of the organisation and of each member, the ranking by month, overdue claims and the members' 双报到 —
and exports it to Excel. Leaders may open any organisation's board (``?org=``)."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from lianxin.errors import NotFound, PermissionDenied
from lianxin.orgs.models import Role, User
from lianxin.web.deps import get_session, require_roles
from lianxin.web.templating import render
from lianxin.wishes import people, queries
from lianxin.wishes import service as svc
from lianxin.wishes.export import org_workbook
from lianxin.wishes.models import PartyOrg
from lianxin.wishes.views import _ctx

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
    orgs, board = _board(session, user, org, year, month)
    return render(request, "wishes/org.html", _ctx(orgs=orgs, board=board))


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
