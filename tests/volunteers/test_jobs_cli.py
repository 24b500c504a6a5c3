"""The reminders job, points for realised wishes, the certificate's font-free fallback and the commands."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from lianxin.clock import utcnow
from lianxin.notify import Notification
from lianxin.points import service as points
from lianxin.points.jobs import credit_realised_wishes
from lianxin.volunteers import service as svc
from lianxin.volunteers.certificate import certificate_pdf, cjk_font
from lianxin.volunteers.jobs import send_reminders
from lianxin.wishes.claims import claim_wish
from lianxin.wishes.models import ClaimStatus, WishClaim
from lianxin.wishes.service import publish_wish, register_wish, submit_wish
from tests.volunteers.conftest import START


def test_reminders_go_once_the_day_before(db, city, vol, clock):
    svc.sign_up(db, vol.activity, vol.alice, actor=vol.alice_user)
    svc.sign_up(db, vol.activity, vol.bob, actor=vol.bob_user)  # waiting list: no reminder
    assert send_reminders(db, now=START - timedelta(hours=30)) == 0
    assert send_reminders(db, now=START - timedelta(hours=20)) == 1
    assert send_reminders(db, now=START - timedelta(hours=19)) == 0
    sent = db.scalars(select(Notification).where(Notification.kind == "vol_reminder")).all()
    assert [n.recipient for n in sent] == [vol.alice.phone] and "清理楼道小广告" in sent[0].message


def test_points_for_realised_wishes_once(db, city, vol):
    wish = submit_wish(
        db,
        jurisdiction_id=city.jid,
        community_id=city.units["community"].id,
        content="家里水龙头漏水，希望有人帮忙修一下。",
        category="repair",
        resident_phone="13712345000",
    )
    register_wish(
        db, wish, actor=vol.organiser, public_text="一户居民家中水龙头漏水需要维修。", triage_class="individual"
    )
    publish_wish(db, wish, actor=vol.organiser)
    claim_wish(db, wish, member=vol.alice, promised_on=(utcnow() + timedelta(days=3)).date(), actor=vol.alice_user)
    claim = db.scalar(select(WishClaim).where(WishClaim.wish_id == wish.id))
    assert credit_realised_wishes(db) == 0  # a claim is not enough
    claim.status = ClaimStatus.REALISED  # the resident confirmed (the wish module's verb sets this)
    db.flush()
    assert credit_realised_wishes(db) == 1 and credit_realised_wishes(db) == 0
    assert points.member_account(db, vol.alice).balance == 20
    assert points.check_ledger(db, city.jid).balanced


def test_certificate_with_and_without_a_cjk_font(db, city, vol, clock):
    svc.sign_up(db, vol.activity, vol.alice, actor=vol.alice_user)
    clock.move_to(START + timedelta(hours=4))
    row = svc.enrollments(db, vol.activity)[0]
    svc.record_attendance(db, row, actor=vol.organiser, checked_in_at=START, checked_out_at=START + timedelta(hours=2))
    record = svc.confirm_attendance(db, row, actor=vol.organiser)
    plain = certificate_pdf(record, verify_url="http://x/volunteer/verify", font=None)
    assert plain.startswith(b"%PDF") and b"Helvetica" in plain
    if cjk_font() is not None:
        assert certificate_pdf(record, verify_url="http://x/volunteer/verify").startswith(b"%PDF")
