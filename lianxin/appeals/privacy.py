"""Personal data in free text: the one place that masks names, phone numbers and ID numbers.

Pure (no database): ``mask_phone`` and ``mask_name`` mask a field; ``mask_text`` finds and masks, in
any text a resident or a clerk wrote, mobile numbers, landline numbers, 18-digit 身份证 numbers,
names with a title (张先生, 李女士, 王阿姨, 刘师傅), names after "我叫/姓名/联系人", and the names the
caller already knows (the appellant's). Who may see the original is decided in ``appeals.access``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

# Common single-character surnames, without those that mostly appear as part of ordinary words before a
# title ("我和先生一起", "保安师傅", "语文老师", "公司经理", "旁边大爷", "相关同志", "菜农大爷"): those would
# mask far more words than names.
_AMBIGUOUS = set("和与同向于从对把被给跟为让叫请问是有的在这那各每该老小安卫文史车师时全管司关单商农查解边")
SURNAMES = "".join(
    ch
    for ch in (
        "王李张刘陈杨黄赵吴周徐孙马朱胡郭林何高罗郑梁谢宋唐韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任"
        "沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙陶黎贺顾毛郝龚邵万钱严覃"
        "武戴莫孔汤常温康施牛樊葛邢齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿兰焦俞左柳甘祝包宁尚符"
        "舒阮柯纪梅童凌毕季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳柴蒙鲍华喻祁蒲房滕屈饶牟艾尤阳穆"
        "卓古吉缪简项连芦麦褚娄窦戚岑景党宫费卜冷晏席米柏宗瞿桂佟应臧闵苟邬卞姬仇栾"
        "隋荣巫寇桑郎甄丛仲虞敖巩明佘池麻苑迟邝"
    )
    if ch not in _AMBIGUOUS
)
# Surnames that are also the second character of common words: not after those first characters
# ("上周师傅来过", "对方经理", "其余阿姨", "经常阿姨").
_NOT_AFTER = {
    "周": "上下本每一两三几这那",
    "方": "对双各警甲乙校院厂官军资业卖买店",
    "余": "其多剩业课",
    "常": "经正非日平通异反",
}
COMPOUND_SURNAMES = (
    "欧阳",
    "司马",
    "诸葛",
    "上官",
    "东方",
    "皇甫",
    "尉迟",
    "公孙",
    "慕容",
    "长孙",
    "宇文",
    "令狐",
    "夏侯",
)
TITLES = (
    "老先生",
    "老太太",
    "老人家",
    "先生",
    "女士",
    "小姐",
    "阿姨",
    "师傅",
    "大爷",
    "大妈",
    "大娘",
    "大姐",
    "大哥",
    "老师",
    "同志",
    "奶奶",
    "爷爷",
    "叔叔",
    "经理",
    "主任",
)

_CN = "\u4e00-\u9fff"
_ASCII_DIGIT_RE = re.compile(r"[0-9]")
ID_NUMBER_RE = re.compile(
    r"(?<![0-9A-Za-z])[1-9]\d{5}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[0-9Xx](?![0-9A-Za-z])"
)
MOBILE_RE = re.compile(r"(?<![0-9])(?:\+?86[- ]?)?1[3-9]\d[- ]?\d{4}[- ]?\d{4}(?![0-9])")
LANDLINE_RE = re.compile(r"(?<![0-9])(?:\(0\d{2,3}\)|（0\d{2,3}）|0\d{2,3}[- ]?)[2-9]\d{6,7}(?![0-9])")
# A local number without area code only counts after a phone word: "电话：62345678".
LOCAL_PHONE_RE = re.compile(r"((?:电话|座机|手机|联系方式|号码|tel|Tel|TEL)[:：]?\s*)([2-9]\d{6,7})(?![0-9])")
_PLAIN = "".join(ch for ch in SURNAMES if ch not in _NOT_AFTER)
_SURNAME = "|".join([*COMPOUND_SURNAMES, f"[{_PLAIN}]", *(f"(?<![{before}]){ch}" for ch, before in _NOT_AFTER.items())])
NAME_TITLE_RE = re.compile(rf"(?:{_SURNAME})(?=(?:{'|'.join(TITLES)}))")
NAMED_WORDS = ("我叫", "名叫", "姓名", "联系人", "报案人", "举报人", "反映人")
_NAMED_WORD_RE = re.compile("|".join(NAMED_WORDS))
_TITLE_RE = re.compile("|".join(map(re.escape, TITLES)))
NAMED_RE = re.compile(
    rf"((?:{'|'.join(NAMED_WORDS)})[:：]?\s*)([{_CN}]{{2,3}}?)(?=[，,。.;；、\s（(]|$|电话|手机|联系|反映|投诉|举报|表示|说|称)"
)


def mask_phone(phone: str | None) -> str:
    """138****8000; short numbers keep two digits at each end."""
    if not phone:
        return ""
    return phone[:3] + "****" + phone[-4:] if len(phone) >= 11 else phone[:2] + "***" + phone[-2:]


def mask_name(name: str | None) -> str:
    """张* / 欧阳**: the surname stays, the given name goes."""
    if not name:
        return ""
    return name[0] + "*" * max(1, len(name) - 1)


def _digits_masked(number: str, keep_head: int, keep_tail: int) -> str:
    """Mask the digits of ``number`` except the first ``keep_head`` and last ``keep_tail`` digits."""
    positions = [i for i, ch in enumerate(number) if ch.isdigit() or ch in "Xx"]
    hidden = set(positions[keep_head : len(positions) - keep_tail])
    return "".join("*" if i in hidden else ch for i, ch in enumerate(number))


def _mask_mobile(match: re.Match) -> str:
    digits = sum(ch.isdigit() for ch in match.group())
    return _digits_masked(match.group(), digits - 8, 4)  # 138****8000, +86 138****8000


def _mask_landline(match: re.Match) -> str:
    number = match.group()
    area = re.match(r"[(（]?0\d{2,3}[)）]?[- ]?", number)
    head = area.group() if area else ""
    return head + _digits_masked(number[len(head) :], 0, 4)


def mask_text(text: str | None, names: Iterable[str | None] = ()) -> str | None:
    """``text`` with every phone number, ID number, titled name and each of ``names`` masked.

    Each pattern runs only where it can match: the four numbers each need an ASCII digit, a named person one of
    ``NAMED_RE``'s words and a titled name one of ``TITLES`` (most texts have neither, and the titled-name pattern
    tries a few hundred surnames at every character: a list of 1,000 public requests spent most of its time here)."""
    if not text:
        return text
    if _ASCII_DIGIT_RE.search(text):
        text = ID_NUMBER_RE.sub(lambda m: _digits_masked(m.group(), 6, 4), text)
        text = MOBILE_RE.sub(_mask_mobile, text)
        text = LANDLINE_RE.sub(_mask_landline, text)
        text = LOCAL_PHONE_RE.sub(lambda m: m.group(1) + _digits_masked(m.group(2), 0, 4), text)
    for name in sorted({n.strip() for n in names if n and len(n.strip()) >= 2}, key=len, reverse=True):
        text = text.replace(name, mask_name(name))
    if _NAMED_WORD_RE.search(text):
        text = NAMED_RE.sub(lambda m: m.group(1) + mask_name(m.group(2)), text)
    if _TITLE_RE.search(text):
        text = NAME_TITLE_RE.sub(lambda m: "*" * len(m.group()), text)
    return text


def has_personal_data(text: str | None, names: Iterable[str | None] = ()) -> bool:
    """True if ``mask_text`` would change ``text``."""
    return bool(text) and mask_text(text, names) != text
