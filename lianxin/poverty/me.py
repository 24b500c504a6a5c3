"""The resident's side (phone-first, 390 px): ``/me/poverty`` lists my declarations with where each one is (the
step, its working-day deadline, the decision, the reason of a rejection) and ``/me/poverty/declare`` is the one-tap
form — risk types as big buttons, for myself or a relative, optional photos (type-checked, re-encoded without
metadata). ``/poverty`` is public and shows only counts."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import FileResponse, RedirectResponse, Response
from sqlalchemy.orm import Session
from starlette.datastructures import FormData, UploadFile

from lianxin.clock import utcnow
from lianxin.errors import LianxinError, NotFound
from lianxin.poverty import board, service
from lianxin.poverty.status import DeclarationStatus, RiskType
from lianxin.poverty.views import get, message, number_field, page, villages
from lianxin.residents.models import ResidentAccount
from lianxin.residents.views import current_resident
from lianxin.web.deps import get_session, public_jurisdiction
from lianxin.web.forms import posted_form
from lianxin.web.uploads import discard, read_photos, store_photos, stored_path

router = APIRouter()
STEPS = (
    (DeclarationStatus.SUBMITTED, "已提交", "Submitted"),
    (DeclarationStatus.CHECKING, "村级入户核实", "Village check"),
    (DeclarationStatus.REVIEWING, "评议公示", "Review and public notice"),
    ("decided", "县级认定", "County decision"),
)

STAGE = {
    DeclarationStatus.SUBMITTED: 0,
    DeclarationStatus.CHECKING: 1,
    DeclarationStatus.REVIEWING: 2,
    DeclarationStatus.IDENTIFIED: 3,
    DeclarationStatus.REJECTED: 3,
}


def _signin() -> Response:
    return RedirectResponse("/me/login", status_code=303)


@router.get("/me/poverty")
def my_declarations(
    request: Request,
    session: Session = Depends(get_session),
    resident: ResidentAccount | None = Depends(current_resident),
) -> Response:
    if resident is None:
        return _signin()
    rows = service.declarations_of(session, resident)
    now = utcnow()
    return page(
        request,
        "poverty/me.html",
        {
            "rows": rows,
            "clocks": {d.id: service.clock(session, d, now) for d in rows},
            "number": service.number,
            "steps": STEPS,
            "stage": {d.id: STAGE.get(d.status, -1) for d in rows},
            "new": request.query_params.get("new", ""),
        },
    )


def _form(request, session, resident, values, error=None, status_code=200) -> Response:
    return page(
        request,
        "poverty/declare.html",
        {
            "values": values,
            "error": error,
            "risk_types": list(RiskType),
            "villages": villages(session, resident.jurisdiction_id),
        },
        status_code=status_code,
    )


@router.get("/me/poverty/declare")
def declare_form(
    request: Request,
    session: Session = Depends(get_session),
    resident: ResidentAccount | None = Depends(current_resident),
) -> Response:
    if resident is None:
        return _signin()
    return _form(request, session, resident, {"who": "self", "head_name": resident.real_name or ""})


@router.post("/me/poverty/declare")
def declare_post(
    request: Request,
    form: FormData = Depends(posted_form(max_files=6)),
    session: Session = Depends(get_session),
    resident: ResidentAccount | None = Depends(current_resident),
) -> Response:
    if resident is None:
        return _signin()
    values = {k: v for k, v in form.items() if isinstance(v, str)}
    values["risk_types"] = [v for v in form.getlist("risk_types") if isinstance(v, str)]
    stored: list[dict] = []
    proxy = get(form, "who") == "proxy"
    try:
        photos = read_photos([f for f in form.getlist("photos") if isinstance(f, UploadFile) and f.filename])
        stored = store_photos(request.app.state.settings.upload_dir, photos)
        with session.begin_nested():
            decl = service.declare(
                session,
                jurisdiction_id=resident.jurisdiction_id,
                channel="proxy" if proxy else "self",
                head_name=get(form, "head_name"),
                risk_types=values["risk_types"],
                community_id=number_field(get(form, "community_id"), "community_id", True),
                id_number=get(form, "id_number") or None,
                phone=get(form, "phone") or None,
                address=get(form, "address"),
                household_size=number_field(get(form, "household_size"), "household_size", True),
                description=get(form, "description"),
                photos=stored,
                account=resident,
                declarant_name=get(form, "declarant_name") if proxy else None,
                declarant_relation=get(form, "declarant_relation") if proxy else None,
            )
    except LianxinError as exc:
        discard(request.app.state.settings.upload_dir, stored)
        return _form(request, session, resident, values, message(request, exc), exc.http_status)
    return RedirectResponse(f"/me/poverty?new={decl.id}#d-{decl.id}", status_code=303)


@router.post("/me/poverty/{declaration_id}/withdraw")
def withdraw(
    declaration_id: int,
    request: Request,
    form: FormData = Depends(posted_form()),
    session: Session = Depends(get_session),
    resident: ResidentAccount | None = Depends(current_resident),
) -> Response:
    if resident is None:
        return _signin()
    decl = service.own_declaration(session, resident, declaration_id)
    with session.begin_nested():
        service.withdraw(session, decl, account=resident, reason=get(form, "reason") or "本人撤回")
    return RedirectResponse("/me/poverty", status_code=303)


@router.get("/me/poverty/{declaration_id}/photos/{n}")
def my_photo(
    declaration_id: int,
    n: int,
    request: Request,
    session: Session = Depends(get_session),
    resident: ResidentAccount | None = Depends(current_resident),
) -> Response:
    if resident is None:
        return _signin()
    decl = service.own_declaration(session, resident, declaration_id)
    if not 0 <= n < len(decl.photos or []):
        raise NotFound("照片不存在", "no such photo")
    row = decl.photos[n]
    path = stored_path(request.app.state.settings.upload_dir, row["storage_key"])
    return FileResponse(path, media_type=row["content_type"], headers={"Cache-Control": "private, no-store"})


@router.get("/poverty")
def public_board(request: Request, session: Session = Depends(get_session)) -> Response:
    """Counts per county only: no names, no villages' households."""
    jurisdiction = public_jurisdiction(request, session)
    result = board.board(session, jurisdiction.id, None, utcnow())
    return page(request, "poverty/public.html", {"board": result})
