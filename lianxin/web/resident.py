"""Resident pages (mobile-first; the pages a mini-program would wrap): the start page and tracking
by order number + phone or by the private link, shown as a parcel-style timeline."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from lianxin.appeals import queries
from lianxin.appeals.models import Appeal
from lianxin.errors import NotFound
from lianxin.web.deps import get_session
from lianxin.web.forms import FormErrors
from lianxin.web.i18n import EN, pick_lang
from lianxin.web.templating import render

router = APIRouter()

NOT_FOUND_ZH, NOT_FOUND_EN = "未找到工单，请核对工单编号和手机号", "No appeal found; check the order number and phone"


@router.get("/")
def home(request: Request) -> Response:
    return render(request, "resident/home.html")


def tracking_context(session: Session, appeal: Appeal) -> dict:
    """What the resident may see: public steps only, the deadline, the reply and its photos."""
    steps = list(reversed(queries.timeline(session, appeal, public_only=True)))
    return {"appeal": appeal, "steps": steps}


@router.get("/track")
def track_form(request: Request) -> Response:
    return render(request, "resident/track.html", {"errors": FormErrors(pick_lang(request)), "order_no": ""})


@router.post("/track")
def track(request: Request, order_no: str = Form(""), phone: str = Form(""),
          session: Session = Depends(get_session)) -> Response:
    errors = FormErrors(pick_lang(request))
    if not order_no.strip():
        errors.add_key("order_no", "field.required")
    if not phone.strip():
        errors.add_key("phone", "field.required")
    if errors:
        return render(request, "resident/track.html", {"errors": errors, "order_no": order_no}, status_code=422)
    appeal = queries.find_for_resident(session, order_no, phone)
    if appeal is None:
        errors.add(None, NOT_FOUND_EN if errors.lang == EN else NOT_FOUND_ZH)
        return render(request, "resident/track.html", {"errors": errors, "order_no": order_no}, status_code=404)
    return render(request, "resident/appeal.html", tracking_context(session, appeal) | {"phone": phone.strip()})


@router.get("/t/{token}")
def track_by_link(request: Request, token: str, session: Session = Depends(get_session)) -> Response:
    appeal = queries.find_by_token(session, token)
    if appeal is None:
        raise NotFound(NOT_FOUND_ZH, NOT_FOUND_EN)
    return render(request, "resident/appeal.html", tracking_context(session, appeal) | {"phone": ""})
