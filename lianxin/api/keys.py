"""API keys: issue, authenticate, list and revoke (the CLI, the API and Open311 call these).

A key is ``lx_<prefix>_<secret>``. Only its SHA-256 is stored (the secret has 256 random bits, so a
slow password hash would add nothing but latency). Each key gets a service user of its own; the
roles and units granted to that user are the key's scope, so every service verb checks a key the
same way it checks a person, and events name the key as the actor.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Iterable
from datetime import timedelta

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session, joinedload

from lianxin.api.models import ApiKey
from lianxin.appeals.choices import Channel
from lianxin.clock import utcnow
from lianxin.errors import InvalidInput, NotFound
from lianxin.orgs.models import Role, RoleGrant, Unit, User
from lianxin.orgs.service import create_user

KEY_RE = re.compile(r"^lx_([0-9a-f]{12})_[A-Za-z0-9_-]{43}$")
UNUSABLE_PASSWORD = "!api-key"  # never a valid argon2 hash: the service user cannot log in
TOUCH_EVERY = timedelta(minutes=1)  # last_used_at is written at most once a minute per key


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def create_api_key(
    session: Session,
    *,
    jurisdiction_id: int,
    name: str,
    channel: Channel | str,
    grants: Iterable[tuple[Role | str, Unit]] = (),
) -> tuple[ApiKey, str]:
    """A new key and its secret (shown once; only the hash is kept)."""
    name = (name or "").strip()
    if not 1 <= len(name) <= 100:
        raise InvalidInput(
            "请填写密钥名称（不超过 100 字）", "a key name of 1–100 characters is required", field="name"
        )
    try:
        channel = Channel.parse(str(channel))
    except ValueError as exc:
        raise InvalidInput(str(exc), field="channel") from None
    prefix = secrets.token_hex(6)
    user = create_user(
        session,
        jurisdiction_id=jurisdiction_id,
        username=f"apikey-{prefix}",
        display_name=name[:64],
        password=secrets.token_urlsafe(16),
        grants=grants,
    )
    user.password_hash = UNUSABLE_PASSWORD
    secret = f"lx_{prefix}_{secrets.token_urlsafe(32)}"
    key = ApiKey(
        jurisdiction_id=jurisdiction_id,
        name=name,
        prefix=prefix,
        key_hash=_digest(secret),
        channel=channel,
        user=user,
        created_at=utcnow(),
    )
    session.add(key)
    session.flush()
    return key, secret


# One statement: the key, its service user and the user's grants, all needed at once (a grant's unit only if
# asked). Built once: a request only binds the prefix.
_KEY_BY_PREFIX = (
    select(ApiKey)
    .where(ApiKey.prefix == bindparam("prefix"))
    .options(joinedload(ApiKey.user).joinedload(User.grants).lazyload(RoleGrant.unit))
)


def authenticate(session: Session, raw: str) -> ApiKey | None:
    """The live key for ``raw``, or None (malformed, unknown, wrong secret, revoked, or its user disabled)."""
    match = KEY_RE.match(raw.strip())
    if match is None:
        return None
    key = session.scalars(_KEY_BY_PREFIX, {"prefix": match.group(1)}).unique().first()
    if key is None or not hmac.compare_digest(key.key_hash, _digest(raw.strip())):
        return None
    if key.revoked_at is not None or not key.user.active:
        return None
    return key


def touch(key: ApiKey) -> None:
    """Record the key's use (at most once a minute). Callers do this after their work, so on SQLite the
    write does not take the database's write lock for the whole request."""
    now = utcnow()
    if key.last_used_at is None or now - key.last_used_at >= TOUCH_EVERY:
        key.last_used_at = now


def get_api_key(session: Session, jurisdiction_id: int, prefix: str) -> ApiKey:
    key = session.scalar(select(ApiKey).where(ApiKey.prefix == prefix, ApiKey.jurisdiction_id == jurisdiction_id))
    if key is None:
        raise NotFound(f"密钥 {prefix} 不存在", f"API key {prefix} not found", field="prefix")
    return key


def revoke_api_key(session: Session, key: ApiKey) -> ApiKey:
    """Revoke for good: the key stops working at once and its service user is disabled."""
    if key.revoked_at is None:
        key.revoked_at = utcnow()
        key.user.active = False
        session.flush()
    return key


def list_api_keys(session: Session, jurisdiction_id: int) -> list[ApiKey]:
    return list(session.scalars(select(ApiKey).where(ApiKey.jurisdiction_id == jurisdiction_id).order_by(ApiKey.id)))


def key_roles(key: ApiKey) -> list[tuple[str, str]]:
    """(role, unit code) pairs of the key's scope."""
    return [(str(grant.role), grant.unit.code) for grant in key.user.grants]
