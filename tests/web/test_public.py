"""Public statistics (no login, no personal data)."""

from __future__ import annotations

from tests.factories import new_appeal


def test_the_statistics_page_needs_no_login_and_counts_appeals(client, db, city):
    new_appeal(db, city)
    new_appeal(db, city, appellant_name="李四", appellant_phone="13900001111")
    page = client.get("/stats")
    assert page.status_code == 200
    assert "已受理" in page.text and "（共 2）" in page.text
    assert "李四" not in page.text and "13900001111" not in page.text and "13800138000" not in page.text
