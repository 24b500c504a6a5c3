"""AppealCreate: the validated intake shared by the web form, the API, Open311 and the CLI."""

from __future__ import annotations

import re

import pytest
from pydantic import ValidationError

from lianxin.appeals.choices import AppealType, Channel, Urgency
from lianxin.appeals.schemas import AppealCreate

CJK = re.compile(r"[\u4e00-\u9fff]")
CONTENT = "和平里小区3号楼门口的路灯已经坏了一周，晚上很黑，老人出行不便。"


def make(**overrides) -> AppealCreate:
    data = (
        dict(
            jurisdiction_id=1,
            channel="hotline",
            appeal_type="help",
            content=CONTENT,
            appellant_name="张三",
            appellant_phone="13800138000",
        )
        | overrides
    )
    return AppealCreate(**data)


def error_of(**overrides) -> dict:
    with pytest.raises(ValidationError) as caught:
        make(**overrides)
    errors = caught.value.errors()
    assert len(errors) == 1, errors
    return errors[0]


def assert_bilingual(message: str, zh: str, en: str) -> None:
    assert zh in message and en in message
    assert CJK.search(message)


# --- messages ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "loc", "zh", "en"),
    [
        ({"content": "路灯坏"}, ("content",), "诉求内容至少 5 个字", "at least 5 characters"),
        ({"content": "   路灯坏了   "}, ("content",), "诉求内容至少 5 个字", "at least 5 characters"),
        ({"content": "很" * 5001}, ("content",), "诉求内容不能超过 5000 字", "limited to 5000 characters"),
        ({"title": "标" * 201}, ("title",), "标题不能超过 200 字", "title is limited to 200 characters"),
        ({"appellant_name": "名" * 65}, ("appellant_name",), "不能超过 64 字", "limited to 64 characters"),
        ({"address": "址" * 301}, ("address",), "不能超过 300 字", "limited to 300 characters"),
        ({"appellant_phone": "not-a-phone"}, ("appellant_phone",), "电话号码格式不正确", "invalid phone number"),
        ({"appellant_phone": None}, (), "请填写联系电话（或选择匿名）", "a phone number is required unless anonymous"),
        ({"appellant_phone": "  "}, (), "请填写联系电话", "required unless anonymous"),
        ({"lat": 39.9}, (), "经纬度须同时填写", "give both latitude and longitude"),
        ({"lng": 116.4}, (), "经纬度须同时填写", "give both latitude and longitude"),
        ({"lat": 90.5, "lng": 116.4}, ("lat",), "纬度应在 -90 到 90 之间", "latitude must be within -90..90"),
        ({"lat": 39.9, "lng": -180.01}, ("lng",), "经度应在 -180 到 180 之间", "longitude must be within -180..180"),
        ({"appeal_type": "投拆"}, ("appeal_type",), "无效的取值「投拆」", "invalid value '投拆'"),
        ({"channel": "fax"}, ("channel",), "无效的取值「fax」", "invalid value 'fax'"),
        ({"urgency": "very"}, ("urgency",), "无效的取值「very」", "invalid value 'very'"),
    ],
    ids=[
        "short-content",
        "short-after-strip",
        "long-content",
        "long-title",
        "long-name",
        "long-address",
        "bad-phone",
        "no-phone",
        "blank-phone",
        "lat-only",
        "lng-only",
        "lat-range",
        "lng-range",
        "bad-type",
        "bad-channel",
        "bad-urgency",
    ],
)
def test_invalid_input_gets_a_chinese_and_english_message_on_the_right_field(overrides, loc, zh, en):
    error = error_of(**overrides)
    assert tuple(error["loc"]) == loc
    assert_bilingual(error["msg"], zh, en)


def test_an_unknown_choice_lists_the_valid_options_with_their_labels():
    message = error_of(appeal_type="投拆")["msg"]
    for member in AppealType:
        assert f"{member.value}({member.label_zh})" in message


# --- choices -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "given", "expected"),
    [
        ("appeal_type", "投诉", AppealType.COMPLAINT),
        ("appeal_type", "Complaint", AppealType.COMPLAINT),
        ("appeal_type", "complaint", AppealType.COMPLAINT),
        ("appeal_type", AppealType.CONSULT, AppealType.CONSULT),
        ("appeal_type", "咨询", AppealType.CONSULT),
        ("channel", "12345热线", Channel.HOTLINE),
        ("channel", "小程序", Channel.MINI_PROGRAM),
        ("channel", "110转接", Channel.POLICE_TRANSFER),
        ("channel", "Web", Channel.WEB),
        ("urgency", "特急", Urgency.CRITICAL),
        ("urgency", "紧急", Urgency.URGENT),
        ("urgency", "normal", Urgency.NORMAL),
    ],
)
def test_choices_accept_the_code_or_either_label(field, given, expected):
    assert getattr(make(**{field: given}), field) is expected


def test_urgency_defaults_to_normal():
    assert make().urgency is Urgency.NORMAL


# --- phones ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("13800138000", "13800138000"),
        ("138 0013 8000", "13800138000"),
        ("  19912345678 ", "19912345678"),
        ("010-12345678", "010-12345678"),
        ("0755-1234567", "0755-1234567"),
        ("01012345678", "01012345678"),
        ("95598", "95598"),
    ],
)
def test_mobile_landline_and_service_numbers_are_accepted_and_spaces_removed(given, stored):
    assert make(appellant_phone=given).appellant_phone == stored


@pytest.mark.parametrize("given", ["1234", "1380013800a", "010-123", "1234567890123", "电话13800138000"])
def test_malformed_phone_numbers_are_refused(given):
    error = error_of(appellant_phone=given)
    assert tuple(error["loc"]) == ("appellant_phone",)
    assert "电话号码格式不正确" in error["msg"]


def test_an_anonymous_appeal_needs_no_phone_and_drops_name_and_phone():
    data = make(anonymous=True, appellant_name="张三", appellant_phone="13800138000")
    assert (data.appellant_name, data.appellant_phone, data.anonymous) == (None, None, True)
    assert make(anonymous=True, appellant_name=None, appellant_phone=None).appellant_phone is None


# --- location ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("lat", "lng"), [(39.9042, 116.4074), (0.0, 0.0), (-90, 180), (90, -180), (None, None)])
def test_latitude_and_longitude_are_accepted_as_a_pair_within_range(lat, lng):
    data = make(lat=lat, lng=lng)
    assert (data.lat, data.lng) == (lat, lng)


# --- title and text ----------------------------------------------------------------------------


def test_a_missing_title_defaults_to_the_first_thirty_characters_of_the_content():
    data = make()
    assert data.title == CONTENT[:30] and len(data.title) == 30


@pytest.mark.parametrize("blank", [None, "", "   "])
def test_a_blank_title_also_defaults_to_the_content(blank):
    assert make(title=blank).title == CONTENT[:30]


def test_a_short_content_is_its_own_title_and_a_given_title_is_kept_stripped():
    assert make(content="路灯不亮了").title == "路灯不亮了"
    assert make(title="  路灯不亮  ").title == "路灯不亮"


def test_text_fields_are_stripped_and_blank_optional_ones_become_none():
    data = make(content=f"  {CONTENT}  ", appellant_name="  ", address="")
    assert data.content == CONTENT
    assert data.appellant_name is None and data.address is None
