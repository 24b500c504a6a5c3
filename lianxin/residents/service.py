"""The verbs of resident accounts: send a code, sign in with it, name oneself, list one's appeals.

Rate limits and lockouts are the edge's (``lianxin.residents.views`` with ``lianxin.ratelimit``): these
functions decide only what is true of the codes and accounts. They never commit.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from lianxin.appeals.models import Appeal, Appellant
from lianxin.clock import utcnow
from lianxin.errors import InvalidInput
from lianxin.notify import queue_notification
from lianxin.residents.models import LoginCode, ResidentAccount

CODE_TTL = timedelta(minutes=10)
MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")


def normalize_phone(raw: str) -> str:
    """A mainland mobile number (11 digits; spaces, dashes and a +86 prefix are dropped) or InvalidInput."""
    phone = re.sub(r"[\s-]", "", raw or "").removeprefix("+86")
    if not MOBILE_RE.match(phone):
        raise InvalidInput("请填写 11 位手机号码", "enter an 11-digit mobile number", field="phone")
    return phone


def _digest(session: Session, phone: str, code: str) -> str:
    secret = session.info["settings"].secret_key.encode()
    return hmac.new(secret, f"{phone}:{code}".encode(), hashlib.sha256).hexdigest()


def send_code(session: Session, jurisdiction_id: int, raw_phone: str, *, hotline: str = "12345") -> int:
    """Queue a six-digit code for ``raw_phone`` through the notification outbox (the SMS adapter sends it);
    earlier unused codes for the phone stop working. Returns the outbox row id."""
    phone, now = normalize_phone(raw_phone), utcnow()
    session.execute(
        update(LoginCode)
        .where(LoginCode.jurisdiction_id == jurisdiction_id, LoginCode.phone == phone, LoginCode.used_at.is_(None))
        .values(used_at=now)
    )
    code = f"{secrets.randbelow(10**6):06d}"
    session.add(
        LoginCode(
            jurisdiction_id=jurisdiction_id,
            phone=phone,
            code_hash=_digest(session, phone, code),
            created_at=now,
            expires_at=now + CODE_TTL,
        )
    )
    minutes = int(CODE_TTL.total_seconds() // 60)
    return queue_notification(
        session,
        jurisdiction_id=jurisdiction_id,
        kind="login_code",
        audience="resident",
        recipient=phone,
        message=f"【连心{hotline}】您的登录验证码是 {code}，{minutes} 分钟内有效。请勿告诉他人；如非本人操作，请忽略。",
    )


def sign_in(session: Session, jurisdiction_id: int, raw_phone: str, code: str) -> ResidentAccount:
    """The account of ``raw_phone`` (created on first sign-in) if ``code`` is its latest live code."""
    phone, now = normalize_phone(raw_phone), utcnow()
    wrong = InvalidInput(
        "验证码不正确或已过期，请重新获取", "the code is wrong or has expired; ask for a new one", field="code"
    )
    if not re.fullmatch(r"\d{6}", (code or "").strip()):
        raise wrong
    row = session.scalars(
        select(LoginCode)
        .where(LoginCode.jurisdiction_id == jurisdiction_id, LoginCode.phone == phone, LoginCode.used_at.is_(None))
        .order_by(LoginCode.id.desc())
        .limit(1)
        .with_for_update()
    ).first()
    if (
        row is None
        or row.expires_at <= now
        or not hmac.compare_digest(row.code_hash, _digest(session, phone, code.strip()))
    ):
        raise wrong
    row.used_at = now
    account = session.scalar(
        select(ResidentAccount).where(
            ResidentAccount.jurisdiction_id == jurisdiction_id, ResidentAccount.phone == phone
        )
    )
    if account is None:
        account = ResidentAccount(
            jurisdiction_id=jurisdiction_id, phone=phone, verified_at=now, created_at=now, last_login_at=now
        )
        session.add(account)
    account.last_login_at = now
    session.flush()
    return account


def set_real_name(session: Session, account: ResidentAccount, name: str) -> None:
    """The optional real name (实名): 2–32 characters, or empty to remove it."""
    name = (name or "").strip()
    if name and not 2 <= len(name) <= 32:
        raise InvalidInput("姓名应为 2–32 个字", "a name has 2–32 characters", field="real_name")
    account.real_name = name or None
    session.flush()


def appeals_of(session: Session, account: ResidentAccount, *, limit: int = 200) -> list[Appeal]:
    """Every appeal filed with the account's phone in its jurisdiction (before the account existed, too),
    newest first. The phone was proven with a code, so these are the resident's own."""
    return list(
        session.scalars(
            select(Appeal)
            .join(Appellant, Appeal.appellant_id == Appellant.id)
            .where(Appellant.jurisdiction_id == account.jurisdiction_id, Appellant.phone == account.phone)
            .order_by(Appeal.received_at.desc(), Appeal.id.desc())
            .limit(limit)
        )
    )
