"""/api/v1/volunteers/me: the volunteer's own API for a resident signed in with phone and code (the
``lianxin_resident`` cookie; an app or a mini-program page on the same site) — their registration, points,
sign-ups and records, signing up, cancelling, and checking in or out with the code the QR shows.

Writes must be JSON (a cross-site form cannot send JSON without a CORS preflight), as for staff sessions."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from lianxin.api.errors import ERROR_RESPONSES, Unauthenticated
from lianxin.errors import InvalidInput, PermissionDenied
from lianxin.points import service as points
from lianxin.residents.models import ResidentAccount
from lianxin.residents.views import current_resident
from lianxin.volunteers import qr
from lianxin.volunteers import service as svc
from lianxin.volunteers.api import EnrollmentOut, _enrollment
from lianxin.web.deps import get_session
from lianxin.wishes.models import Member
from lianxin.wishes.people import member_for_resident

router = APIRouter(prefix="/volunteers/me", tags=["志愿服务 volunteers"], responses=ERROR_RESPONSES)


def resident(request: Request, account: ResidentAccount | None = Depends(current_resident)) -> ResidentAccount:
    if account is None:
        raise Unauthenticated("请先用手机号和验证码登录", "sign in with your phone and a code first")
    if request.method == "POST" and request.headers.get("content-type", "").split(";")[0].strip() != "application/json":
        raise PermissionDenied("写操作须以 JSON 提交", "writes must send JSON")
    return account


def _member(session: Session, account: ResidentAccount) -> Member:
    member = member_for_resident(session, account)
    if member is None:
        raise InvalidInput("您还不是登记的志愿者，请联系社区登记", "you are not a registered volunteer")
    return member


class RecordLine(BaseModel):
    id: int
    certificate_no: str
    served_on: date
    hours: float
    activity: str


class AccountLine(BaseModel):
    name: str
    kind: str
    balance: int


class MeOut(BaseModel):
    registered: bool
    name: str | None
    hours: float
    accounts: list[AccountLine] = Field(description="the member's account and the households the phone holds")
    enrollments: list[EnrollmentOut]
    records: list[RecordLine]


@router.get("", response_model=MeOut)
def me(session: Session = Depends(get_session), account: ResidentAccount = Depends(resident)):
    """我的志愿服务 / the caller's registration, points, sign-ups and service records."""
    member = member_for_resident(session, account)
    held = ([points.member_account(session, member)] if member else []) + points.households_of_phone(
        session, account.jurisdiction_id, account.phone
    )
    records = svc.records_of(session, member) if member else []
    return MeOut(
        registered=member is not None,
        name=member.name if member else None,
        hours=round(sum(r.minutes for r in records) / 60, 1),
        accounts=[AccountLine(name=a.name, kind=a.kind.value, balance=a.balance) for a in held],
        enrollments=[_enrollment(r) for r in svc.my_enrollments(session, member)] if member else [],
        records=[
            RecordLine(
                id=r.id,
                certificate_no=r.certificate_no,
                served_on=r.served_on,
                hours=r.hours,
                activity=r.activity.title,
            )
            for r in records
        ],
    )


@router.post("/activities/{activity_id}/signup", response_model=EnrollmentOut, status_code=201)
def sign_up(activity_id: int, session: Session = Depends(get_session), account: ResidentAccount = Depends(resident)):
    """报名（满员进候补）/ sign up (full: the waiting list)."""
    activity = svc.get_activity(session, activity_id, jurisdiction_id=account.jurisdiction_id)
    return _enrollment(svc.sign_up(session, activity, _member(session, account), actor=None))


@router.post("/enrollments/{enrollment_id}/cancel", response_model=EnrollmentOut)
def cancel(enrollment_id: int, session: Session = Depends(get_session), account: ResidentAccount = Depends(resident)):
    """取消自己的报名 / cancel one's own sign-up."""
    row = svc.get_enrollment(session, enrollment_id, jurisdiction_id=account.jurisdiction_id)
    if row.member_id != _member(session, account).id:
        raise PermissionDenied("只能取消自己的报名", "you may only cancel your own sign-up")
    return _enrollment(svc.cancel(session, row, actor=None))


class ScanIn(BaseModel):
    code: str = Field(max_length=400, description="the code in the QR's URL (/volunteer/checkin/{code})")


@router.post("/checkin", response_model=EnrollmentOut)
def checkin(
    body: ScanIn,
    request: Request,
    session: Session = Depends(get_session),
    account: ResidentAccount = Depends(resident),
):
    """扫码签到或签退 / check in or out with the code shown at the place (signed, expiring)."""
    activity_id, kind = qr.read_code(request.app.state.settings, body.code)
    activity = svc.get_activity(session, activity_id, jurisdiction_id=account.jurisdiction_id)
    return _enrollment(svc.scan(session, activity, _member(session, account), kind, actor=None))
