"""Open311 is public: phone numbers, ID numbers and titled names written into a description are masked."""

from __future__ import annotations

from tests.factories import new_appeal

TEXT = "王阿姨反映：楼下噪音，联系电话13666668888，座机010-62345678，身份证11010519491231002X。"


def test_public_requests_json_masks_personal_data_in_descriptions(o311, db, city):
    appeal = new_appeal(db, city, content=TEXT, appellant_name="王秀英")
    [item] = o311.get("requests", "requests", service_request_id=appeal.order_no)
    description = item["description"]
    for secret in ("13666668888", "62345678", "11010519491231002X", "王阿姨"):
        assert secret not in description
    assert "136****8888" in description and "110105********002X" in description and "*阿姨" in description
    assert "楼下噪音" in description
    [listed] = [r for r in o311.get("requests", "requests") if r["service_request_id"] == appeal.order_no]
    assert listed["description"] == description
