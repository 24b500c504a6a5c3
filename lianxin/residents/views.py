"""我的 (/me): a resident signs in with phone number and one-time code and sees all their appeals.

The resident's sign-in is a signed cookie of its own (``lianxin_resident``, 30 days), apart from the staff
session: a staff member signing out never signs a resident out and a resident cookie opens no staff page.
Codes are rate-limited per phone and per address; wrong codes lock the phone and the address out with
back-off (``lianxin.ratelimit``), even when the next code would be right.
"""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, BackgroundTasks, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy.orm import Session

from lianxin import ratelimit
from lianxin.db import session_scope
from lianxin.errors import LianxinError
from lianxin.modules import run_hooks
from lianxin.notify import deliver_pending, make_sender
from lianxin.residents import service
from lianxin.residents.models import ResidentAccount
from lianxin.web import throttle
from lianxin.web.auth import safe_next
from lianxin.web.deps import get_session, public_jurisdiction
from lianxin.web.forms import FormErrors
from lianxin.web.i18n import pick_lang
from lianxin.web.templating import render

router = APIRouter()
COOKIE, MAX_AGE = "lianxin_resident", 30 * 86400


def _signer(request: Request) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(request.app.state.settings.secret_key, salt="lianxin-resident")


def current_resident(request: Request, session: Session = Depends(get_session)) -> ResidentAccount | None:
    """The signed-in resident, or None (a missing, forged or expired cookie is no resident)."""
    raw = request.cookies.get(COOKIE)
    if not raw:
        return None
    try:
        account_id = _signer(request).loads(raw, max_age=MAX_AGE)
    except BadSignature:
        return None
    account = session.get(ResidentAccount, account_id) if isinstance(account_id, int) else None
    if account is not None:
        request.state.resident = account
    return account


def _login_page(
    request: Request,
    *,
    phone: str = "",
    sent: bool = False,
    errors: FormErrors | None = None,
    status_code: int = 200,
    retry_after: int | None = None,
    next: str = "",
) -> Response:
    response = render(
        request,
        "resident/me_login.html",
        {
            "phone": phone,
            "sent": sent,
            "errors": errors or FormErrors(pick_lang(request)),
            "next": safe_next(next) if next else "",
        },
        status_code=status_code,
    )
    if retry_after:
        response.headers["Retry-After"] = str(retry_after)
    return response


@router.get("/me/login")
def login_form(request: Request, next: str = "") -> Response:
    """``?next=/volunteer/checkin/…``: where to go after signing in (a same-site path; else 我的)."""
    return _login_page(request, next=next)


def _deliver_now(request: Request, notification_id: int) -> None:
    """After the response (so after the commit): hand the code to the SMS sender now; if that fails, the
    outbox row stays pending and the ``deliver`` job retries it."""
    with session_scope(request.app.state.sessionmaker) as session:
        deliver_pending(session, make_sender(request.app.state.settings), ids=[notification_id])


@router.post("/me/login/code")
def send_code(
    request: Request,
    background: BackgroundTasks,
    phone: str = Form(""),
    next: str = Form(""),
    session: Session = Depends(get_session),
) -> Response:
    errors = FormErrors(pick_lang(request))
    try:
        normalized = service.normalize_phone(phone)
        throttle.limit(request, session, "code_per_address", "code:address")
        throttle.limit(request, session, "code_per_phone", "code:phone", normalized)
        jurisdiction = public_jurisdiction(request, session)
        sent = service.send_code(
            session, jurisdiction.id, normalized, hotline=request.app.state.settings.hotline_number
        )
    except ratelimit.RateLimited as exc:
        errors.add_exception(exc)
        return _login_page(request, phone=phone, errors=errors, status_code=429, retry_after=exc.retry_after, next=next)
    except LianxinError as exc:
        errors.add_exception(exc)
        return _login_page(request, phone=phone, errors=errors, status_code=exc.http_status, next=next)
    background.add_task(_deliver_now, request, sent)
    return _login_page(request, phone=normalized, sent=True, next=next)


def _backoff(request: Request) -> dict:
    settings = request.app.state.settings
    return dict(
        base=timedelta(seconds=settings.rate_lockout_base_seconds),
        cap=timedelta(seconds=settings.rate_lockout_max_seconds),
        memory=timedelta(hours=settings.rate_lockout_memory_hours),
    )


@router.post("/me/login")
def sign_in(
    request: Request,
    phone: str = Form(""),
    code: str = Form(""),
    next: str = Form(""),
    session: Session = Depends(get_session),
) -> Response:
    errors = FormErrors(pick_lang(request))
    settings = request.app.state.settings
    address = ratelimit.client_address(request)
    try:
        normalized = service.normalize_phone(phone)
        # A wrong code counts before it is checked (and stays counted although this request rolls back);
        # while the phone or the address is locked out, even the right code is refused.
        ratelimit.check_lock(session, "code:phone_fail", normalized)
        ratelimit.check_lock(session, "code:address_fail", address)
        ratelimit.fail(
            session, "code:phone_fail", normalized, after=settings.rate_code_lockout_after, **_backoff(request)
        )
        _, address_lock = ratelimit.fail(
            session, "code:address_fail", address, after=settings.rate_lockout_after_per_address, **_backoff(request)
        )
        account = service.sign_in(session, public_jurisdiction(request, session).id, normalized, code)
    except ratelimit.RateLimited as exc:
        errors.add_exception(exc)
        return _login_page(
            request, phone=phone, sent=True, errors=errors, status_code=429, retry_after=exc.retry_after, next=next
        )
    except LianxinError as exc:
        errors.add_exception(exc)
        return _login_page(
            request, phone=phone, sent=exc.field == "code", errors=errors, status_code=exc.http_status, next=next
        )
    ratelimit.clear(session, "code:phone_fail", normalized)
    ratelimit.unfail(session, "code:address_fail", address, locked_until=address_lock)
    run_hooks("after_resident_sign_in", session, account)
    response = RedirectResponse(safe_next(next) if next else "/me", status_code=303)
    response.set_cookie(
        COOKIE,
        _signer(request).dumps(account.id),
        max_age=MAX_AGE,
        httponly=True,
        samesite="lax",
        secure=settings.env == "production",
    )
    return response


@router.post("/me/logout")
def sign_out() -> Response:
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(COOKIE)
    return response


@router.get("/me")
def my_page(
    request: Request,
    resident: ResidentAccount | None = Depends(current_resident),
    session: Session = Depends(get_session),
) -> Response:
    if resident is None:
        return RedirectResponse("/me/login", status_code=303)
    return render(
        request,
        "resident/me.html",
        {
            "resident": resident,
            "appeals": service.appeals_of(session, resident),
            "errors": FormErrors(pick_lang(request)),
        },
    )


@router.post("/me/profile")
def save_profile(
    request: Request,
    real_name: str = Form(""),
    resident: ResidentAccount | None = Depends(current_resident),
    session: Session = Depends(get_session),
) -> Response:
    if resident is None:
        return RedirectResponse("/me/login", status_code=303)
    errors = FormErrors(pick_lang(request))
    try:
        service.set_real_name(session, resident, real_name)
    except LianxinError as exc:
        errors.add_exception(exc)
        return render(
            request,
            "resident/me.html",
            {"resident": resident, "appeals": service.appeals_of(session, resident), "errors": errors},
            status_code=exc.http_status,
        )
    return RedirectResponse("/me?saved=1", status_code=303)
