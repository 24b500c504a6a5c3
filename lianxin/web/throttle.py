"""The rate limits of the public and login paths, in one place (the rules; ``lianxin.ratelimit`` is the store).

Each function takes the request (for the client address and the settings) and the request's session,
and raises ``RateLimited`` (429, ``Retry-After``) when the caller has had enough. Handlers call them
first, before they write anything (see ``lianxin.ratelimit``).
"""

from __future__ import annotations

from datetime import timedelta

from fastapi import Request
from sqlalchemy.orm import Session

from lianxin import ratelimit
from lianxin.config import Settings, parse_rate
from lianxin.ratelimit import RateLimited, client_address


def _settings(request: Request) -> Settings:
    return request.app.state.settings


def limit(request: Request, session: Session, rule: str, bucket: str, key: str | None = None) -> None:
    """Count one request against ``settings.rate_<rule>`` for ``key`` (default: the client address)."""
    count, window = parse_rate(getattr(_settings(request), f"rate_{rule}"))
    ratelimit.hit(session, bucket, key if key is not None else client_address(request), limit=count, window=window)


def peek(request: Request, session: Session, rule: str, bucket: str, key: str) -> None:
    count, window = parse_rate(getattr(_settings(request), f"rate_{rule}"))
    ratelimit.peek(session, bucket, key, limit=count, window=window)


def refund(request: Request, session: Session, rule: str, bucket: str, key: str | None = None) -> None:
    """Give back a request counted by ``limit`` (the try succeeded: only failures count)."""
    _, window = parse_rate(getattr(_settings(request), f"rate_{rule}"))
    ratelimit.refund(session, bucket, key if key is not None else client_address(request), window=window)


# Staff login: every attempt per address, and a lockout per account and per address after wrong passwords.


def _account(username: str) -> str:
    return username.strip().casefold()


def _backoff(settings: Settings) -> dict:
    return dict(
        base=timedelta(seconds=settings.rate_lockout_base_seconds),
        cap=timedelta(seconds=settings.rate_lockout_max_seconds),
        memory=timedelta(hours=settings.rate_lockout_memory_hours),
    )


def before_login(request: Request, session: Session, username: str) -> dict:
    """Refuse the attempt while the address is over its rate or the account or address is locked out —
    even when the password would be right; else count it as a failure now (committed at once, so a wrong
    password counts although the request rolls back) and return what ``login_succeeded`` takes back."""
    settings, address, account = _settings(request), client_address(request), _account(username)
    limit(request, session, "login_per_address", "login:address")
    ratelimit.check_lock(session, "login:account", account)
    ratelimit.check_lock(session, "login:address_fail", address)
    ratelimit.fail(session, "login:account", account, after=settings.rate_lockout_after, **_backoff(settings))
    _, address_lock = ratelimit.fail(
        session, "login:address_fail", address, after=settings.rate_lockout_after_per_address, **_backoff(settings)
    )
    return {"account": account, "address": address, "address_lock": address_lock}


def login_succeeded(session: Session, attempt: dict) -> None:
    """The right password forgets the account's failures and takes back this attempt's failure of the
    address (which keeps its earlier ones, so spraying many accounts from one address still locks it).
    Written in the request's transaction: it lasts only if the sign-in goes through."""
    ratelimit.clear(session, "login:account", attempt["account"])
    ratelimit.unfail(session, "login:address_fail", attempt["address"], locked_until=attempt["address_lock"])


# Public intake: anonymous submissions per address; signed-in staff (grid workers' patrol reports) per account.


def intake(request: Request, session: Session, user_id: int | None) -> None:
    limit(
        request,
        session,
        "intake_per_address",
        "intake:address" if user_id is None else "intake:user",
        None if user_id is None else str(user_id),
    )


# Residents' look-ups: /track per address, and wrong phones per order number; private links per address.


def order_key(order_no: str) -> str:
    return order_no.strip().upper()


__all__ = ["RateLimited", "before_login", "intake", "limit", "login_succeeded", "order_key", "peek", "refund"]
