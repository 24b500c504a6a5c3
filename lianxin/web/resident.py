"""Resident pages (mobile-first; the pages a mini-program would wrap): the start page, tracking by
order number + phone or by the private link (a parcel-style timeline with the deadline, the reply
and its photos), and the resident's rating of the reply (不满意 reopens the appeal)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from lianxin.appeals import queries
from lianxin.appeals.choices import Satisfaction
from lianxin.appeals.models import Appeal
from lianxin.errors import LianxinError, NotFound
from lianxin.visits.service import rate_appeal
from lianxin.web import throttle
from lianxin.web.deps import get_session
from lianxin.web.forms import FormErrors
from lianxin.web.i18n import EN, pick_lang
from lianxin.web.templating import render

router = APIRouter()

NOT_FOUND_ZH, NOT_FOUND_EN = "未找到工单，请核对工单编号和手机号", "No appeal found; check the order number and phone"


@router.get("/")
def home(request: Request) -> Response:
    return render(request, "resident/home.html")


def tracking_context(
    session: Session,
    appeal: Appeal,
    request: Request,
    *,
    phone: str = "",
    errors: FormErrors | None = None,
    rating: dict | None = None,
) -> dict:
    """What the resident may see: public steps only (newest first), the deadline, the reply and photos."""
    steps = list(reversed(queries.timeline(session, appeal, public_only=True)))
    photos = {
        "intake": [a for a in appeal.attachments if a.purpose == "intake"],
        "proof": [a for a in appeal.attachments if a.purpose != "intake"],
    }
    return {
        "appeal": appeal,
        "steps": steps,
        "photos": photos,
        "phone": phone,
        "satisfactions": list(Satisfaction),
        "errors": errors or FormErrors(pick_lang(request)),
        "rating": rating or {},
        "link": str(request.url_for("track_by_link", token=appeal.tracking_token)),
        "just_submitted": request.query_params.get("new") == "1",
        "just_rated": request.query_params.get("rated") == "1",
    }


@router.get("/track")
def track_form(request: Request) -> Response:
    return render(request, "resident/track.html", {"errors": FormErrors(pick_lang(request)), "order_no": ""})


@router.post("/track")
def track(
    request: Request, order_no: str = Form(""), phone: str = Form(""), session: Session = Depends(get_session)
) -> Response:
    errors = FormErrors(pick_lang(request))
    if not order_no.strip():
        errors.add_key("order_no", "field.required")
    if not phone.strip():
        errors.add_key("phone", "field.required")
    if errors:
        return render(request, "resident/track.html", {"errors": errors, "order_no": order_no}, status_code=422)
    # Every look-up counts per address; wrong phones count per order number (a masked phone leaves 10⁴
    # guesses). Both are counted before the look-up, so concurrent guesses cannot slip past the limit;
    # the right phone gets its count back.
    order_key = throttle.order_key(order_no)
    try:
        throttle.limit(request, session, "track_per_address", "track:address")
        throttle.limit(request, session, "track_misses_per_order", "track:order", order_key)
    except throttle.RateLimited as exc:
        errors.add_exception(exc)
        return _limited(
            render(request, "resident/track.html", {"errors": errors, "order_no": order_no}, status_code=429), exc
        )
    appeal = queries.find_for_resident(session, order_no, phone)
    if appeal is None:
        errors.add(None, NOT_FOUND_EN if errors.lang == EN else NOT_FOUND_ZH)
        return render(request, "resident/track.html", {"errors": errors, "order_no": order_no}, status_code=404)
    throttle.refund(request, session, "track_misses_per_order", "track:order", order_key)
    return render(request, "resident/appeal.html", tracking_context(session, appeal, request, phone=phone.strip()))


def _limited(response: Response, exc: throttle.RateLimited) -> Response:
    response.headers.update(exc.headers)
    return response


def appeal_by_token(request: Request, session: Session, token: str, *, refund: bool = True) -> Appeal:
    """The appeal of a private link. Unknown links count against the address (no guessing links): every
    use is counted first and a known link gets its count back (``refund=False``: the caller gives it back
    once the phone number also matched)."""
    throttle.limit(request, session, "link_misses_per_address", "link:address")
    appeal = queries.find_by_token(session, token)
    if appeal is None:
        raise NotFound(NOT_FOUND_ZH, NOT_FOUND_EN)
    if refund:
        throttle.refund(request, session, "link_misses_per_address", "link:address")
    return appeal


@router.get("/t/{token}")
def track_by_link(request: Request, token: str, session: Session = Depends(get_session)) -> Response:
    return render(
        request, "resident/appeal.html", tracking_context(session, appeal_by_token(request, session, token), request)
    )


@router.post("/t/{token}/rate")
def rate(
    request: Request,
    token: str,
    phone: str = Form(""),
    solved: str = Form(""),
    satisfaction: str = Form(""),
    comment: str = Form(""),
    session: Session = Depends(get_session),
) -> Response:
    """The resident's own rating of a replied appeal; their phone number must match the appeal's."""
    appeal = appeal_by_token(request, session, token, refund=False)  # a wrong phone keeps the count
    errors = FormErrors(pick_lang(request))
    if not phone.strip():
        errors.add_key("phone", "field.required")
    if solved not in ("yes", "no"):
        errors.add_key("solved", "field.choice")
    if satisfaction not in {s.value for s in Satisfaction}:
        errors.add_key("satisfaction", "field.choice")
    if len(comment) > 1000:
        errors.add("comment", "评价内容不能超过 1000 字" if errors.lang != EN else "at most 1000 characters")
    status_code = 422
    if not errors:
        try:
            rate_appeal(
                session,
                appeal,
                phone=phone.strip(),
                solved=solved == "yes",
                satisfaction=satisfaction,
                comment=comment.strip() or None,
            )
            throttle.refund(request, session, "link_misses_per_address", "link:address")
            return RedirectResponse(f"/t/{token}?rated=1", status_code=303)
        except LianxinError as exc:
            errors.add_exception(exc)
            status_code = exc.http_status
    rating = {"solved": solved, "satisfaction": satisfaction, "comment": comment}
    return render(
        request,
        "resident/appeal.html",
        tracking_context(session, appeal, request, phone="", errors=errors, rating=rating),
        status_code=status_code,
    )
