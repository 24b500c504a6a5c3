"""Staff login and logout. The session cookie holds the user id (``uid``) plus the display name and
role codes for the navigation; every permission check reads the user from the database."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from lianxin.modules import run_hooks
from lianxin.orgs.models import User
from lianxin.orgs.service import verify_password
from lianxin.web import throttle
from lianxin.web.csrf import rotate_csrf_token
from lianxin.web.deps import current_user, get_session, user_roles
from lianxin.web.forms import FormErrors
from lianxin.web.i18n import pick_lang
from lianxin.web.templating import render

router = APIRouter()


def safe_next(value: str | None) -> str:
    """Only same-site paths: never an absolute or protocol-relative URL (open redirect)."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return "/"
    return value


def sign_in(request: Request, user: User) -> None:
    request.session.clear()
    request.session.update(
        {"uid": user.id, "name": user.display_name, "roles": sorted(str(r) for r in user_roles(user))}
    )
    rotate_csrf_token(request)


@router.get("/login")
def login_form(request: Request, next: str = "/", user: User | None = Depends(current_user)) -> Response:
    return render(
        request,
        "auth/login.html",
        {"next": safe_next(next), "errors": FormErrors(pick_lang(request)), "username": "", "user": user},
    )


@router.post("/login")
def login(
    request: Request,
    username: str = Form(""),
    password: str = Form(""),
    next: str = Form("/"),
    session: Session = Depends(get_session),
) -> Response:
    errors = FormErrors(pick_lang(request))
    try:
        attempt = throttle.before_login(request, session, username)  # 429 while locked out, even if right
    except throttle.RateLimited as exc:
        errors.add_exception(exc)
        response = render(
            request,
            "auth/login.html",
            {"next": safe_next(next), "errors": errors, "username": username, "user": None},
            status_code=429,
        )
        response.headers.update(exc.headers)
        return response
    user = session.scalar(select(User).where(User.username == username.strip())) if username.strip() else None
    if user is None or not user.active or not verify_password(user, password):
        errors.add_key(None, "login.failed")
        return render(
            request,
            "auth/login.html",
            {"next": safe_next(next), "errors": errors, "username": username, "user": None},
            status_code=401,
        )
    throttle.login_succeeded(session, attempt)  # counted as a failure until now
    run_hooks("after_sign_in", session, user)
    sign_in(request, user)
    target = safe_next(next)  # no page asked for the login: staff land on their own workbench
    return RedirectResponse("/staff" if target == "/" else target, status_code=303)


@router.post("/logout")
def logout(request: Request) -> Response:
    request.session.clear()
    rotate_csrf_token(request)
    return RedirectResponse("/", status_code=303)
