"""A unit's webhook never receives the resident's phone or name, even written into a title or a note."""

from __future__ import annotations

from lianxin.appeals.service import add_note, dispatch_appeal
from lianxin.webhooks.service import event_payload
from tests.factories import new_appeal


def test_webhook_payloads_mask_personal_data_in_the_title_and_the_note(db, city):
    appeal = new_appeal(db, city, title="张先生反映路灯不亮，电话13666668888")
    dispatch_appeal(db, appeal, city.units["street"], actor=city.users["dispatcher"])
    add_note(db, appeal, actor=city.users["dispatcher"], note="已联系张三，座机010-62345678")
    payload = event_payload(appeal.events[-1], appeal)
    assert payload["appeal"]["title"] == "*先生反映路灯不亮，电话136****8888"
    assert payload["event"]["note"] == "已联系张*，座机010-****5678"
