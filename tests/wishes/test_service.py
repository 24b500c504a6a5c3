"""Wish service verbs on a real database: the lifecycle, privacy, one live claim, 双报到, quotas and jobs."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from lianxin.clock import utcnow
from lianxin.errors import Conflict, InvalidInput, PermissionDenied
from lianxin.notify import Notification
from lianxin.wishes.claims import (
    claim_wish,
    close_wish,
    confirm_wish,
    deliver_wish,
    redo_wish,
    release_wish,
    start_wish,
    view_contact,
)
from lianxin.wishes.jobs import remind_claims, review_filed_wishes
from lianxin.wishes.models import ClaimStatus, QuotaScope, ReportStatus, WishClaim, WishEvent, WishSource
from lianxin.wishes.people import decide_report, report_to_community
from lianxin.wishes.queries import overdue_claims, quota_progress, set_quota, status_counts
from lianxin.wishes.service import file_wish, publish_wish, register_wish, reject_wish, submit_wish, wish_from_appeal
from lianxin.wishes.status import WishStatus as S
from tests.factories import new_appeal
from tests.wishes.conftest import later

PUBLIC = "社区一位独居老人希望每周有人上门陪伴聊天、读报。"


def kinds(db, wish):
    return [e.kind for e in db.scalars(select(WishEvent).where(WishEvent.wish_id == wish.id).order_by(WishEvent.id))]


def notes_to(db, recipient):
    return [
        n.message
        for n in db.scalars(select(Notification).where(Notification.recipient == recipient).order_by(Notification.id))
    ]


def published(db, wish, party):
    register_wish(db, wish, actor=party.staff, triage_class="individual")
    return publish_wish(db, wish, actor=party.staff, public_text=PUBLIC)


def test_the_whole_lifecycle_realises_the_members_quota(db, city, clock, party, wish):
    assert wish.status == S.COLLECTED and wish.tracking_token
    published(db, wish, party)
    assert wish.status == S.PUBLISHED and wish.public_text == PUBLIC
    claim_wish(db, wish, member=party.member, promised_on=later(7), actor=party.member_user)
    assert wish.status == S.CLAIMED and wish.claimed_member is party.member
    start_wish(db, wish, member=party.member)
    deliver_wish(
        db, wish, member=party.member, note="已上门陪老人聊天两小时，约好每周三再来。", photos=["wishes/a.jpg"]
    )
    assert wish.status == S.DELIVERED and wish.delivery_photos == ["wishes/a.jpg"]
    [progress] = quota_progress(db, city.jid, QuotaScope.MEMBER, 2026, ids=[party.member.id])
    assert (progress.realised, progress.claimed, progress.target, progress.met) == (0, 1, 1, False)
    confirm_wish(db, wish, token=wish.tracking_token, rating=5, comment="很满意")
    assert wish.status == S.CONFIRMED and wish.rating == 5
    claim = db.scalar(select(WishClaim).where(WishClaim.wish_id == wish.id))
    assert claim.status == ClaimStatus.REALISED and claim.realised_at is not None
    close_wish(db, wish, actor=party.staff)
    assert wish.status == S.CLOSED and wish.closed_at
    assert kinds(db, wish) == ["submitted", "register", "publish", "claim", "start", "deliver", "confirm", "close"]
    [progress] = quota_progress(db, city.jid, QuotaScope.MEMBER, 2026, ids=[party.member.id])
    assert (progress.realised, progress.claimed, progress.met, progress.percent) == (1, 0, True, 100)
    assert quota_progress(db, city.jid, QuotaScope.MEMBER, 2025, ids=[party.member.id])[0].realised == 0
    messages = notes_to(db, "13712345678")
    assert any("已发布" in m for m in messages) and any("已被认领" in m for m in messages)
    assert any("已反馈完成" in m for m in messages)
    assert status_counts(db, city.jid)[S.CLOSED] == 1


def test_bad_input_is_refused_in_both_languages_and_changes_nothing(db, city, party):
    good = dict(
        jurisdiction_id=city.jid,
        community_id=city.units["community"].id,
        content="希望有人帮忙修理自行车",
        category="repair",
        resident_phone="13712345678",
    )
    for change, field in [
        ({"content": "修车"}, "content"),
        ({"resident_phone": "12345"}, "resident_phone"),
        ({"category": "nope"}, "category"),
        ({"community_id": city.units["street"].id}, "community_id"),
    ]:
        with pytest.raises(InvalidInput) as info:
            submit_wish(db, **(good | change))
        assert info.value.field == field and info.value.message_zh != info.value.message_en
    with pytest.raises(PermissionDenied):  # only staff record wishes from other channels
        submit_wish(db, **good, source=WishSource.GRID_VISIT)
    assert status_counts(db, city.jid) == {s: 0 for s in S}


def test_the_public_text_may_not_carry_personal_data(db, city, party, wish):
    register_wish(db, wish, actor=party.staff, triage_class="individual")
    for text in (
        "赵大爷希望每周有人陪伴聊天",
        "老人希望有人陪伴，电话13712345678",
        "和平里3号楼2单元401的老人希望有人陪伴",
    ):
        with pytest.raises(InvalidInput) as info:
            publish_wish(db, wish, actor=party.staff, public_text=text)
        assert info.value.field == "public_text"
    assert wish.status == S.REGISTERED


def test_only_the_communitys_staff_triage(db, city, party, wish):
    with pytest.raises(PermissionDenied):
        register_wish(db, wish, actor=city.users["street2_handler"], triage_class="individual")
    with pytest.raises(PermissionDenied):
        register_wish(db, wish, actor=party.member_user, triage_class="individual")
    register_wish(db, wish, actor=city.users["street_handler"], triage_class="common")  # a grant above covers it
    assert wish.triage_class == "common"


def test_a_rejection_needs_a_reason_and_tells_the_resident(db, city, party, wish):
    with pytest.raises(InvalidInput):
        reject_wish(db, wish, actor=party.staff, reason=" ")
    reject_wish(db, wish, actor=party.staff, reason="该事项属于商业服务，不在微心愿范围内")
    assert wish.status == S.REJECTED
    assert any("商业服务" in m for m in notes_to(db, "13712345678"))
    with pytest.raises(Conflict):
        publish_wish(db, wish, actor=party.staff, public_text=PUBLIC)


def test_a_wish_on_file_comes_back_for_review_on_its_date(db, city, clock, party, wish):
    with pytest.raises(InvalidInput):
        file_wish(db, wish, actor=party.staff, reason="需等待老旧小区改造", review_on=later(0))
    file_wish(db, wish, actor=party.staff, reason="需等待老旧小区改造统一实施", review_on=later(30))
    assert wish.status == S.ON_FILE and wish.triage_class == "infeasible"
    assert any("重新审核" in m for m in notes_to(db, "13712345678"))
    assert review_filed_wishes(db, now=utcnow()) == 0
    assert review_filed_wishes(db, now=utcnow() + timedelta(days=30)) == 1
    assert wish.status == S.REGISTERED and wish.review_on is None


def test_one_live_claim_per_wish(db, city, clock, party, wish):
    published(db, wish, party)
    claim_wish(db, wish, member=party.member, promised_on=later(3))
    with pytest.raises(Conflict):
        claim_wish(db, wish, member=party.other, promised_on=later(3))
    # the database refuses a second active claim even past the service
    with pytest.raises(IntegrityError), db.begin_nested():
        db.add(WishClaim(jurisdiction_id=city.jid, wish_id=wish.id, member_id=party.other.id, promised_on=later(3)))
        db.flush()
    with pytest.raises(PermissionDenied):
        release_wish(db, wish, member=party.other, reason="不是我的")
    release_wish(db, wish, member=party.member, reason="临时出差，无法按时完成")
    assert wish.status == S.PUBLISHED and wish.claimed_member is None
    claim_wish(db, wish, member=party.other, promised_on=later(5))
    statuses = db.scalars(select(WishClaim.status).where(WishClaim.wish_id == wish.id).order_by(WishClaim.id)).all()
    assert statuses == [ClaimStatus.CANCELLED, ClaimStatus.ACTIVE]


def test_claims_check_the_promised_date_and_org_claims_need_the_secretary(db, city, clock, party, wish):
    published(db, wish, party)
    with pytest.raises(InvalidInput) as info:
        claim_wish(db, wish, member=party.member, promised_on=later(-1))
    assert info.value.field == "promised_on"
    with pytest.raises(PermissionDenied):
        claim_wish(db, wish, org=party.branch, promised_on=later(10), actor=party.member_user)
    claim_wish(db, wish, org=party.branch, promised_on=later(10), actor=party.secretary)
    deliver_wish(db, wish, actor=party.secretary, note="支部组织党员为老人送去生活用品")
    confirm_wish(db, wish, token=wish.tracking_token, rating=4)
    [progress] = quota_progress(db, city.jid, QuotaScope.ORG, 2026, ids=[party.branch.id])
    assert (progress.realised, progress.target, progress.met) == (1, 3, False)


def test_contact_details_only_for_the_claimant_and_every_view_is_logged(db, city, clock, party, wish):
    published(db, wish, party)
    with pytest.raises(PermissionDenied):
        view_contact(db, wish, member=party.member)
    claim_wish(db, wish, member=party.member, promised_on=later(3))
    with pytest.raises(PermissionDenied):
        view_contact(db, wish, member=party.other)
    contact = view_contact(db, wish, member=party.member)
    assert (contact.name, contact.phone) == ("赵大爷", "13712345678")
    view_contact(db, wish, actor=party.staff)
    viewed = db.scalars(select(WishEvent).where(WishEvent.wish_id == wish.id, WishEvent.kind == "contact_viewed")).all()
    assert [(e.actor_member_id, e.actor_user_id) for e in viewed] == [(party.member.id, None), (None, party.staff.id)]


def test_only_the_resident_confirms_or_sends_it_back(db, city, clock, party, wish):
    published(db, wish, party)
    claim_wish(db, wish, member=party.member, promised_on=later(3))
    deliver_wish(db, wish, member=party.member, note="已送去校服一套")
    with pytest.raises(PermissionDenied):
        confirm_wish(db, wish, token="wrong", rating=5)
    with pytest.raises(InvalidInput):
        confirm_wish(db, wish, token=wish.tracking_token, rating=6)
    redo_wish(db, wish, token=wish.tracking_token, note="校服尺码不对")
    assert wish.status == S.IN_PROGRESS
    assert any("尺码" in m for m in notes_to(db, party.member.phone))
    deliver_wish(db, wish, member=party.member, note="已换成合适尺码")
    with pytest.raises(InvalidInput):  # a grid worker confirms for the resident only with a signature photo
        confirm_wish(db, wish, proxy=city.users["grid_worker"], rating=5)
    confirm_wish(db, wish, proxy=city.users["grid_worker"], rating=5, signature_photo="wishes/sign.jpg")
    assert wish.status == S.CONFIRMED and wish.confirmed_by_proxy


def test_quotas_are_data(db, city, party):
    assert quota_progress(db, city.jid, QuotaScope.MEMBER, 2026, ids=[party.other.id])[0].target == 1
    set_quota(db, jurisdiction_id=city.jid, scope="member", year=2026, target=2, actor=city.users["leader"])
    set_quota(db, jurisdiction_id=city.jid, scope="member", year=2026, target=4, actor=city.users["leader"])
    assert quota_progress(db, city.jid, QuotaScope.MEMBER, 2026, ids=[party.other.id])[0].target == 4
    assert quota_progress(db, city.jid, QuotaScope.MEMBER, 2027, ids=[party.other.id])[0].target == 1
    with pytest.raises(PermissionDenied):
        set_quota(db, jurisdiction_id=city.jid, scope="org", year=2026, target=5, actor=party.staff)
    with pytest.raises(InvalidInput):
        set_quota(db, jurisdiction_id=city.jid, scope="org", year=2026, target=-1, actor=city.users["leader"])


def test_dual_report_is_confirmed_by_the_community(db, city, party):
    community = city.units["community"]
    report = report_to_community(db, community=community, member=party.member, note="家住和平里5号楼")
    assert report.status == ReportStatus.PENDING
    with pytest.raises(Conflict):
        report_to_community(db, community=community, member=party.member)
    with pytest.raises(InvalidInput):
        report_to_community(db, community=city.units["street"], member=party.other)
    with pytest.raises(PermissionDenied):
        decide_report(db, report, actor=city.users["street2_handler"], confirm=True)
    decide_report(db, report, actor=party.staff, confirm=True)
    assert report.status == ReportStatus.CONFIRMED and report.decided_by_id == party.staff.id
    with pytest.raises(Conflict):
        decide_report(db, report, actor=party.staff, confirm=False)
    org_report = report_to_community(db, community=community, org=party.branch)
    decide_report(db, org_report, actor=party.staff, confirm=False)
    again = report_to_community(db, community=community, org=party.branch)  # a declined report may be made again
    assert again.id == org_report.id and again.status == ReportStatus.PENDING


def test_reminders_before_and_after_the_promised_date_are_sent_once(db, city, clock, party, wish):
    published(db, wish, party)
    claim_wish(db, wish, member=party.member, promised_on=later(1))
    assert remind_claims(db, now=utcnow()) == 1
    remind_claims(db, now=utcnow())
    clock.shift(timedelta(days=2))
    assert overdue_claims(db, city.jid) == [wish]
    remind_claims(db, now=utcnow())
    messages = notes_to(db, party.member.phone)
    assert len([m for m in messages if "请按时落实" in m]) == 1 and len([m for m in messages if "已超过" in m]) == 1


def test_reminders_follow_the_working_day_calendar(db, city, clock, party, wish):
    from datetime import datetime

    published(db, wish, party)
    clock.move_to(datetime.fromisoformat("2026-03-06T09:30:00+08:00"))  # a Friday
    claim_wish(db, wish, member=party.member, promised_on=later(3))  # Monday
    assert remind_claims(db, now=utcnow()) == 1  # Friday is the last working day before it
    clock.move_to(datetime.fromisoformat("2026-03-07T09:30:00+08:00"))
    assert remind_claims(db, now=utcnow()) == 0  # nothing on a Saturday
    clock.move_to(datetime.fromisoformat("2026-03-10T09:30:00+08:00"))  # Tuesday: it passed on Monday
    assert remind_claims(db, now=utcnow()) == 1
    messages = notes_to(db, party.member.phone)
    assert len([m for m in messages if "请按时落实" in m]) == 1 and len([m for m in messages if "已超过" in m]) == 1


def test_an_appeal_becomes_a_wish_and_the_link_is_kept(db, city, party):
    appeal = new_appeal(db, city)
    wish = wish_from_appeal(db, appeal, actor=party.staff, content="老人希望有人帮忙更换家里的灯泡", category="repair")
    assert wish.source == WishSource.APPEAL and wish.source_appeal_id == appeal.id
    assert wish.resident_phone == appeal.appellant_phone and wish.status == S.COLLECTED


def test_two_sessions_claiming_at_once_one_wins(engine, settings):
    """A second claimant in another transaction gets a conflict (the version check / the one-live-claim index)."""
    from sqlalchemy.orm import Session

    from lianxin.orgs.service import create_user
    from lianxin.wishes.models import Member, OrgKind, PartyOrg, Wish
    from lianxin.wishes.people import create_member, create_party_org
    from lianxin.wishes.queries import get_wish
    from tests.factories import build_city

    with Session(engine, expire_on_commit=False, info={"settings": settings}) as first:
        own = build_city(first)
        staff = create_user(
            first,
            jurisdiction_id=own.jid,
            username=f"{own.jurisdiction.code}-race",
            display_name="s",
            password="secret-pass-123",
            grants=[("handler", own.units["community"])],
        )
        branch = create_party_org(first, jurisdiction_id=own.jid, kind=OrgKind.BRANCH, name="测试党支部")
        a = create_member(first, jurisdiction_id=own.jid, name="甲党员", phone="13900001001", org=branch)
        b = create_member(first, jurisdiction_id=own.jid, name="乙党员", phone="13900001002", org=branch)
        wish = submit_wish(
            first,
            jurisdiction_id=own.jid,
            community_id=own.units["community"].id,
            content="希望有人帮忙修理轮椅",
            category="repair",
            resident_phone="13712340000",
        )
        register_wish(first, wish, actor=staff, triage_class="individual")
        publish_wish(first, wish, actor=staff, public_text="一位老人希望有人帮忙修理轮椅。")
        first.commit()
        try:
            with (
                Session(engine, info={"settings": settings}) as one,
                Session(engine, info={"settings": settings}) as two,
            ):
                w1, w2 = (
                    get_wish(one, wish.id, jurisdiction_id=own.jid),
                    get_wish(two, wish.id, jurisdiction_id=own.jid),
                )
                claim_wish(one, w1, member=one.get(Member, a.id), promised_on=later(2))
                one.commit()
                with pytest.raises(Conflict):
                    claim_wish(two, w2, member=two.get(Member, b.id), promised_on=later(2))
                two.rollback()
            with Session(engine) as check:
                assert check.get(Wish, wish.id).claimed_member_id == a.id
                assert len(check.scalars(select(WishClaim).where(WishClaim.wish_id == wish.id)).all()) == 1
        finally:
            with Session(engine) as cleanup:  # leave the shared test database as it was
                cleanup.execute(WishClaim.__table__.delete().where(WishClaim.wish_id == wish.id))
                cleanup.execute(WishEvent.__table__.delete().where(WishEvent.wish_id == wish.id))
                cleanup.execute(Notification.__table__.delete().where(Notification.jurisdiction_id == own.jid))
                cleanup.execute(Wish.__table__.delete().where(Wish.id == wish.id))
                cleanup.execute(Member.__table__.delete().where(Member.jurisdiction_id == own.jid))
                cleanup.execute(PartyOrg.__table__.delete().where(PartyOrg.jurisdiction_id == own.jid))
                cleanup.commit()
