"""The wish jobs with the platform's job signature: on-file reviews and claim reminders."""

from __future__ import annotations

from datetime import timedelta

from lianxin.clock import utcnow
from lianxin.wishes.jobs import claim_reminders, review_filed
from lianxin.wishes.service import file_wish
from lianxin.wishes.status import WishStatus
from tests.wishes.conftest import later


def test_jobs_have_the_platform_signature_and_bring_filed_wishes_back(db, city, clock, party, wish, settings):
    file_wish(db, wish, actor=party.staff, reason="需等待老旧小区改造统一实施", review_on=later(10))
    assert review_filed(db, settings, utcnow()) == 0
    assert review_filed(db, settings, utcnow() + timedelta(days=10)) == 1
    assert wish.status == WishStatus.REGISTERED
    assert claim_reminders(db, settings, utcnow()) == 0
