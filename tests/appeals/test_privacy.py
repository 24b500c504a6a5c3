"""Free-text masking: phone numbers (mobile and landline), 18-digit ID numbers and names with a title are
masked; ordinary words, dates, order numbers and amounts are not."""

from __future__ import annotations

import pytest

from lianxin.appeals.privacy import has_personal_data, mask_name, mask_phone, mask_text

MASKED = [
    ("电话13666668888", "电话136****8888"),
    ("手机：138-0013-8000，谢谢", "手机：138-****-8000，谢谢"),
    ("+86 138 0013 8000", "+86 138 **** 8000"),
    ("8613800138000", "86138****8000"),
    ("座机010-62345678", "座机010-****5678"),
    ("请拨（0755）2345678", "请拨（0755）***5678"),
    ("电话(021)62345678转801", "电话(021)****5678转801"),
    ("联系电话：62345678", "联系电话：****5678"),
    ("身份证11010519491231002X", "身份证110105********002X"),
    ("身份证号 110105194912310021。", "身份证号 110105********0021。"),
    ("张先生反映", "*先生反映"),
    ("李女士和王阿姨", "*女士和*阿姨"),
    ("物业刘师傅说", "物业*师傅说"),
    ("欧阳先生", "**先生"),
    ("周大爷家漏水", "*大爷家漏水"),
    ("我叫王小明，", "我叫王**，"),
    ("联系人：赵四", "联系人：赵*"),
    ("举报人李四反映", "举报人李*反映"),
]

UNCHANGED = [
    "和平里小区3号楼门口的路灯已经坏了一周，晚上很黑，老人出行不便。",
    "我和先生一起去的",  # 和 is "and" here
    "保安师傅态度差",  # a job, not a name
    "上周师傅来过一次",
    "语文老师和数学老师",
    "对方经理不接电话",
    "公司经理说",
    "订单号2026112200012345",
    "工单20261122000123已受理",
    "2026-11-22 上午10点，3号楼，罚款100元",
    "车牌京A12345",
    "身份证号码是多少",
    "123456789012345678",  # 18 digits but no valid birth date
    "各位女士先生",
    "旁边大爷说",
    "",
]


@pytest.mark.parametrize(("text", "masked"), MASKED)
def test_personal_data_in_free_text_is_masked(text, masked):
    assert mask_text(text) == masked
    assert has_personal_data(text)


@pytest.mark.parametrize("text", UNCHANGED)
def test_ordinary_text_is_left_alone(text):
    assert mask_text(text) == text
    assert not has_personal_data(text)


def test_the_appellants_own_name_is_masked_wherever_it_appears():
    assert (
        mask_text("张三说路灯坏了，张三的电话13800138000", ["张三", None, ""]) == "张*说路灯坏了，张*的电话138****8000"
    )
    assert mask_text("张三", ["张"]) == "张三"  # a one-character "name" would mask every surname


def test_none_stays_none_and_field_masks_keep_their_shape():
    assert mask_text(None) is None
    assert mask_phone("13800138000") == "138****8000" and mask_phone("62345678") == "62***78" and mask_phone(None) == ""
    assert mask_name("张三") == "张*" and mask_name("欧阳小明") == "欧***" and mask_name(None) == ""


def test_the_patterns_skipped_for_a_text_without_their_digits_or_words_would_not_have_changed_it():
    """``mask_text`` runs a pattern only where its digit or word occurs: the same result as running them all."""
    from lianxin.appeals import privacy as p

    def every_pattern(text: str, names: tuple[str, ...]) -> str:
        text = p.ID_NUMBER_RE.sub(lambda m: p._digits_masked(m.group(), 6, 4), text)
        text = p.MOBILE_RE.sub(p._mask_mobile, text)
        text = p.LANDLINE_RE.sub(p._mask_landline, text)
        text = p.LOCAL_PHONE_RE.sub(lambda m: m.group(1) + p._digits_masked(m.group(2), 0, 4), text)
        for name in sorted({n for n in names if len(n) >= 2}, key=len, reverse=True):
            text = text.replace(name, mask_name(name))
        text = p.NAMED_RE.sub(lambda m: m.group(1) + mask_name(m.group(2)), text)
        return p.NAME_TITLE_RE.sub(lambda m: "*" * len(m.group()), text)

    texts = [text for text, _ in MASKED] + [
        "小区门口的路灯坏了三天，晚上很黑",
        "１３８００１３８０００ 全角数字不是手机号",
        "王师傅１２点来修，张主任说下周",
        "姓名李雷电话一三八",
        "老先生说他叫陈大明，号码：62345678",
        "反映人赵钱孙，身份证11010519491231002X",
    ]
    for text in texts:
        for names in ((), ("王小明",), ("陈大明", "李雷")):
            assert mask_text(text, names) == every_pattern(text, names), (text, names)
