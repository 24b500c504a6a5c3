"""Webhooks: a unit registers an HTTPS URL and receives every event of the appeals it leads or co-handles,
signed with HMAC-SHA256, retried with exponential back-off, every attempt logged.

Two jobs do the work (``lianxin jobs run``): :func:`queue_events` fans new appeal events out into
``webhook_deliveries`` (unique per webhook and event, so re-scanning is harmless), and
:func:`deliver_due` posts them. The receiver checks ``X-Lianxin-Signature: t=<unix time>,v1=<hex>``
where ``hex = HMAC-SHA256(secret, "<t>.<raw body>")``, and should refuse old timestamps.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import secrets
import time
import urllib.error
import urllib.request
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lianxin.appeals.access import public_text
from lianxin.appeals.choices import UnitRole
from lianxin.appeals.models import Appeal, AppealEvent, AppealUnit
from lianxin.appeals.status import EVENT_LABELS_ZH
from lianxin.clock import utcnow
from lianxin.db import insert_or_ignore
from lianxin.errors import InvalidInput, NotFound
from lianxin.orgs.models import Role, Unit, User
from lianxin.orgs.service import has_role, require_role, user_unit_ids
from lianxin.webhooks.models import Webhook, WebhookDelivery

MANAGERS = (Role.HANDLER, Role.LEADER)
RESCAN = timedelta(seconds=30)  # events younger than this are scanned again (a slower transaction may commit late)
MAX_ATTEMPTS = 8
FIRST_RETRY = timedelta(seconds=30)  # then 1, 2, 4 … minutes
TIMEOUT_SECONDS = 5
BATCH = 50
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}


def _allow_local(session: Session) -> bool:
    return bool(getattr(session.info.get("settings"), "webhook_allow_local_http", False))


def check_url(url: str, *, allow_local: bool) -> str:
    """HTTPS to a public host; ``http://127.0.0.1`` / ``localhost`` only when the setting allows it."""
    url = (url or "").strip()
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    local = host in LOCAL_HOSTS
    if len(url) > 500 or not host or parts.username or parts.password or parts.fragment:
        raise InvalidInput("回调地址无效", "invalid webhook URL", field="url")
    if local and allow_local and parts.scheme in ("http", "https"):
        return url
    if parts.scheme != "https":
        raise InvalidInput("回调地址须为 https://", "webhook URLs must use https", field="url")
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        address = None
    if local or (address is not None and not address.is_global):
        raise InvalidInput(
            "回调地址不能指向本机或内网", "webhook URLs must not point to private addresses", field="url"
        )
    return url


def register_webhook(session: Session, *, actor: User | None, unit: Unit, url: str) -> tuple[Webhook, str]:
    """A new webhook for ``unit`` (its handlers, leaders or an admin may register); returns it and its secret."""
    require_role(session, actor, MANAGERS, unit_id=unit.id)
    url = check_url(url, allow_local=_allow_local(session))
    secret = secrets.token_hex(32)
    latest = session.scalar(select(func.max(AppealEvent.id))) or 0
    webhook = Webhook(
        jurisdiction_id=unit.jurisdiction_id,
        unit=unit,
        url=url,
        secret=secret,
        active=True,
        cursor_event_id=latest,
        created_by_id=actor.id if actor else None,
        created_at=utcnow(),
    )
    session.add(webhook)
    session.flush()
    return webhook, secret


def get_webhook(session: Session, webhook_id: int, *, actor: User | None) -> Webhook:
    webhook = session.get(Webhook, webhook_id)
    if webhook is None or (actor is not None and webhook.jurisdiction_id != actor.jurisdiction_id):
        raise NotFound(f"回调 {webhook_id} 不存在", f"webhook {webhook_id} not found")
    require_role(session, actor, MANAGERS, unit_id=webhook.unit_id)
    return webhook


def list_webhooks(session: Session, *, actor: User) -> list[Webhook]:
    stmt = select(Webhook).where(Webhook.jurisdiction_id == actor.jurisdiction_id).order_by(Webhook.id)
    if not has_role(session, actor, (Role.ADMIN,)):
        stmt = stmt.where(Webhook.unit_id.in_(user_unit_ids(session, actor, MANAGERS)))
    return list(session.scalars(stmt))


def deactivate_webhook(session: Session, webhook: Webhook) -> Webhook:
    webhook.active = False
    session.flush()
    return webhook


def recent_deliveries(session: Session, webhook: Webhook, *, limit: int = 50) -> list[WebhookDelivery]:
    return list(
        session.scalars(
            select(WebhookDelivery)
            .where(WebhookDelivery.webhook_id == webhook.id)
            .order_by(WebhookDelivery.id.desc())
            .limit(limit)
        )
    )


def event_payload(event: AppealEvent, appeal: Appeal) -> dict:
    """What a unit's system receives: the event and the appeal's state, never the resident's name or phone (nor
    phone numbers, ID numbers or names written into the title or the note)."""
    return {
        "event": {
            "id": event.id,
            "kind": event.kind,
            "label": EVENT_LABELS_ZH.get(event.kind, event.kind),
            "at": event.at.isoformat(),
            "from_status": event.from_status,
            "to_status": event.to_status,
            "unit": event.unit.code if event.unit else None,
            "note": public_text(event.note, appeal),
        },
        "appeal": {
            "order_no": appeal.order_no,
            "status": str(appeal.status),
            "version": appeal.version,
            "title": public_text(appeal.title, appeal),
            "lead_unit": appeal.lead_unit.code if appeal.lead_unit else None,
            "due_at": appeal.due_at.isoformat() if appeal.due_at else None,
        },
    }


def queue_events(session: Session, now: datetime) -> int:
    """Fan out events of each active webhook's appeals into deliveries: every appeal its unit leads or
    co-handles, or did (a unit redispatched away still hears how its former appeal ends)."""
    queued = 0
    settled = session.scalar(select(func.max(AppealEvent.id)).where(AppealEvent.at <= now - RESCAN)) or 0
    hooks = session.scalars(
        select(Webhook).where(Webhook.active.is_(True)).with_for_update(skip_locked=True, of=Webhook)
    ).all()
    for hook in hooks:
        involved = select(AppealUnit.appeal_id).where(
            AppealUnit.unit_id == hook.unit_id, AppealUnit.role.in_([UnitRole.LEAD, UnitRole.CO])
        )
        rows = session.execute(
            select(AppealEvent, Appeal)
            .join(Appeal, Appeal.id == AppealEvent.appeal_id)
            .where(AppealEvent.id > hook.cursor_event_id, AppealEvent.appeal_id.in_(involved))
            .order_by(AppealEvent.id)
        )
        for event, appeal in rows:
            queued += (
                insert_or_ignore(
                    session,
                    WebhookDelivery.__table__,
                    dict(
                        jurisdiction_id=hook.jurisdiction_id,
                        webhook_id=hook.id,
                        event_id=event.id,
                        event_kind=event.kind,
                        payload=event_payload(event, appeal),
                        state="pending",
                        attempts=0,
                        next_attempt_at=now,
                        log=[],
                        created_at=now,
                    ),
                    ["webhook_id", "event_id"],
                )
                is not None
            )
        hook.cursor_event_id = max(hook.cursor_event_id, settled)
    session.flush()
    return queued


def sign(secret: str, timestamp: int, body: bytes) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # a receiver must answer itself, never send us elsewhere
        return None


_opener = urllib.request.build_opener(_NoRedirect)


def post(url: str, body: bytes, headers: dict) -> int:
    """POST and return the HTTP status (raises OSError on network failure)."""
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with _opener.open(request, timeout=TIMEOUT_SECONDS) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def deliver_due(session: Session, now: datetime) -> int:
    """Post due deliveries; 2xx → delivered, otherwise retry later, failed after the last attempt."""
    rows = session.scalars(
        select(WebhookDelivery)
        .join(Webhook)
        .where(WebhookDelivery.state == "pending", WebhookDelivery.next_attempt_at <= now, Webhook.active.is_(True))
        .order_by(WebhookDelivery.id)
        .limit(BATCH)
        .with_for_update(skip_locked=True, of=WebhookDelivery)
    ).all()
    delivered = 0
    for row in rows:
        body = json.dumps(row.payload, ensure_ascii=False, separators=(",", ":")).encode()
        stamp = int(now.timestamp())
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": "Lianxin-Webhooks/1",
            "X-Lianxin-Event": row.event_kind,
            "X-Lianxin-Delivery": str(row.id),
            "X-Lianxin-Signature": sign(row.webhook.secret, stamp, body),
        }
        started = time.monotonic()
        try:
            status, error = post(row.webhook.url, body, headers), None
        except OSError as exc:  # refused, timed out, TLS failure: logged and retried
            status, error = None, f"{type(exc).__name__}: {exc}"[:500]
        row.attempts += 1
        row.log = [
            *row.log,
            {"at": now.isoformat(), "status": status, "error": error, "ms": round((time.monotonic() - started) * 1000)},
        ]
        row.last_status, row.last_error = status, error
        if status is not None and 200 <= status < 300:
            row.state, row.delivered_at = "delivered", now
            delivered += 1
        elif row.attempts >= MAX_ATTEMPTS:
            row.state = "failed"
        else:
            row.next_attempt_at = now + FIRST_RETRY * 2 ** (row.attempts - 1)
    session.flush()
    return delivered


def queue_job(session: Session, settings, now: datetime) -> int:
    """The ``queue_webhooks`` job (``lianxin jobs run``)."""
    return queue_events(session, now)


def deliver_job(session: Session, settings, now: datetime) -> int:
    """The ``deliver_webhooks`` job."""
    return deliver_due(session, now)
