"""The hotspot pages show appeals' titles to leaders who may not see personal data: phones and names are masked."""

from __future__ import annotations

from datetime import timedelta

from lianxin.clock import utcnow
from lianxin.hotspots.service import refresh_snapshot
from tests.factories import PASSWORD, new_appeal
from tests.helpers import login
from tests.hotspots.test_service import NOISE


def test_hotspot_detail_masks_phones_and_names_in_titles(client, db, city, clock):
    for day, title in enumerate(NOISE):
        new_appeal(
            db,
            city,
            title=f"{title}，王阿姨电话1390000000{day}",
            content=f"{title}，请尽快处理。",
            lat=39.9 + day / 1000,
            lng=116.4,
        )
        clock.shift(timedelta(days=1))
    snapshot = refresh_snapshot(
        db, city.jid, since=utcnow() - timedelta(days=30), until=utcnow() + timedelta(seconds=1)
    )
    hotspot = snapshot.hotspots[0]
    login(client, city.users["leader"].username, PASSWORD)
    page = client.get(f"/hotspots/{hotspot.id}").text
    assert NOISE[0] in page
    assert not any(f"1390000000{day}" in page for day in range(len(NOISE))) and "王阿姨" not in page
    assert "139****0000" in page and "*阿姨" in page
