"""Place names in appeal text (pure): administrative codes and named places (小区, 路, 村, 学校, 公司 …).

Two passes over a corpus. :func:`candidate_places` finds names ending in a place suffix with
regular expressions; the names seen in the corpus become a gazetteer (:class:`Gazetteer`) that then
finds the same places in every message, also where a message omits the suffix ("魅力之城" for
"魅力之城小区"). Administrative codes (the teddy data's anonymised "A5区", "A7县") are kept apart:
they say where, but too coarsely to tell two problems apart. Real district names are not codes;
a deployment's appeals carry their community, which the caller passes as a known place.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

# Administrative areas: anonymised codes (A市, A5区, B2县) and real names ending in 区/县/市/省.
ADMIN_CODE_RE = re.compile(r"[A-Z]\d{0,2}(?:市|区|县)")
CITY_CODE_RE = re.compile(r"^[A-Z](?:市)$")  # the whole city says nothing about where

# Suffixes of named places, longest first so "花园" wins over "园".
SUFFIXES = (
    "小区",
    "花园",
    "广场",
    "大道",
    "公寓",
    "家园",
    "新城",
    "新村",
    "社区",
    "街道",
    "学校",
    "学院",
    "大学",
    "中学",
    "小学",
    "幼儿园",
    "医院",
    "公司",
    "集团",
    "市场",
    "车站",
    "公园",
    "大厦",
    "工业园",
    "产业园",
    "项目",
    "楼盘",
    "苑",
    "府",
    "城",
    "湾",
    "园",
    "路",
    "街",
    "巷",
    "村",
    "镇",
    "乡",
    "桥",
)
_SUFFIX_ALT = "|".join(sorted(SUFFIXES, key=len, reverse=True))
# Words that end a place name on their left: verbs and function words people put before a place.
_BREAKERS = (
    "反映",
    "关于",
    "投诉",
    "举报",
    "请问",
    "咨询",
    "建议",
    "希望",
    "要求",
    "位于",
    "地处",
    "附近",
    "旁边",
    "门口",
    "对面",
    "周边",
    "我们",
    "我的",
    "我家",
    "业主",
    "居民",
    "市民",
    "请求",
    "恳请",
    "强烈",
    "严重",
    "解决",
    "处理",
    "问题",
    "为什么",
    "是否",
    "能否",
    "可否",
    "如何",
    "何时",
    "什么",
    "这个",
    "那个",
    "的",
    "在",
    "和",
    "与",
    "及",
    "对",
    "于",
    "是",
    "了",
    "把",
    "被",
    "从",
    "向",
    "给",
    "让",
    "请",
    "及",
    "住",
)
_BREAK_RE = re.compile(
    "|".join(map(re.escape, sorted(_BREAKERS, key=len, reverse=True))) + r"|[^\u4e00-\u9fa5A-Za-z0-9·]"
)
# "城" in 城市/城区/城管 and "路" in 路口/路灯/路面 are not the end of a name.
_NAME_RE = re.compile(rf"([\u4e00-\u9fa5A-Za-z0-9·]{{2,10}}?)({_SUFFIX_ALT})(?![市区管乡口灯面段边线])")
# A name part that is not a name: demonstratives, counters, generic nouns.
_GENERIC_START = tuple("该本这那我你他各此每某一两几多整全小大新老上下前后左右东南西北内外")
_GENERIC = {
    "道路",
    "马路",
    "公路",
    "小区",
    "社区",
    "学校",
    "医院",
    "公司",
    "广场",
    "公园",
    "农村",
    "城市",
    "城区",
    "乡镇",
    "乡村",
    "街道",
    "市场",
    "中心",
    "项目",
    "楼盘",
    "集团",
    "县城",
    "进城",
    "出路",
    "思路",
    "线路",
    "网路",
    "电路",
    "水路",
    "铁路",
    "高铁",
    "地铁",
    "走路",
    "上路",
    "一路",
    "沿路",
    "路面",
    "花园",
    "家园",
}
_ROAD_SUFFIXES = ("路", "街", "巷", "大道")
_GENERIC_END = ("政府", "物业公司", "有限公司", "公交公司", "自来水公司", "幼儿园", "委员会")
GENERIC_FLOOR = 30  # in a small corpus a place may fill many messages; only past this count can it be generic


@dataclass(frozen=True)
class Places:
    """Where a message is: district codes, named places anywhere in it, and those in its title
    (the title names the subject; the body often mentions other places in passing)."""

    districts: frozenset[str]
    names: frozenset[str]
    title_names: frozenset[str] = frozenset()
    stated: frozenset[str] = frozenset()  # the places the title's own text names (not the caller's known place)

    @property
    def placeless(self) -> bool:
        """The title names no place: possibly a city-wide issue (see lianxin.hotspots.placeless)."""
        return not self.stated


def same_place(a: Iterable[str], b: Iterable[str]) -> bool:
    """Do two sets of names share a place? A name inside another counts ("魅力之城" / "万科魅力之城")."""
    return any(x in y or y in x for x in a for y in b)


def admin_areas(text: str) -> set[str]:
    """District and county codes (A5区, A7县); the bare city code ("A市") is dropped."""
    return {code for code in ADMIN_CODE_RE.findall(text) if not CITY_CODE_RE.match(code)}


def core_name(name: str) -> str:
    """The distinctive part of a place name: "魅力之城小区" → "魅力之城"; roads keep their suffix."""
    for suffix in ("小区", "社区", "项目", "楼盘"):
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            return name[: -len(suffix)]
    return name


@lru_cache(maxsize=1)
def jieba_dictionary() -> tuple[dict[str, int], int]:
    """jieba's word frequencies and their total: the default tokenizer's, whose dictionary the process loads
    once (about a second) for everything that cuts Chinese text. Read them; copy them to change them."""
    import jieba

    jieba.setLogLevel(60)
    jieba.dt.check_initialized()
    return jieba.dt.FREQ, jieba.dt.total


def _common_word(word: str) -> bool:
    """A word of the general vocabulary (jieba's dictionary), e.g. 影响, 目前: not a place name."""
    return jieba_dictionary()[0].get(word, 0) >= 50


def _plausible(name: str) -> bool:
    core = core_name(name)
    if core in _GENERIC or name in _GENERIC or len(core) < 2 or core.startswith(_GENERIC_START):
        return False
    if name.endswith(_GENERIC_END) or re.fullmatch(r"[A-Za-z0-9]+.?", core) or re.match(r"\d", core):
        return False
    if name.endswith(_ROAD_SUFFIXES) and len(core) < 3:  # "中路", "大街": too short to name a road
        return False
    return not (core != name and _common_word(core))


def candidate_places(text: str) -> set[str]:
    """Named places in ``text`` found by suffix (cores, see :func:`core_name`)."""
    found: set[str] = set()
    stripped = ADMIN_CODE_RE.sub("，", text)
    for piece in _BREAK_RE.split(stripped):
        for match in _NAME_RE.finditer(piece):
            name = match.group(0)
            if _plausible(name):
                found.add(core_name(name))
    return found


class Gazetteer:
    """The corpus's named places; finds them in a text whether or not it carries the suffix.

    Built from the candidates of every text; a name found in more than ``max_share`` of the texts
    (and more than ``GENERIC_FLOOR`` of them) is a generic word that slipped through.
    """

    def __init__(self, names: Iterable[str]):
        self.names = frozenset(names)
        self._by_start: dict[str, list[str]] = {}
        for name in sorted(self.names, key=len, reverse=True):
            self._by_start.setdefault(name[:2], []).append(name)

    @classmethod
    def from_texts(cls, texts: Iterable[str], *, max_share: float = 0.03, min_count: int = 2) -> Gazetteer:
        """Names seen with a place suffix in at least ``min_count`` texts, kept only if most of the
        texts that contain the name use it as a place (drops 情况下, 还我: words that once preceded 小区)."""
        texts = list(texts)
        limit = max(GENERIC_FLOOR, int(len(texts) * max_share))
        as_place: Counter[str] = Counter()
        for text in texts:
            as_place.update(candidate_places(text))
        draft = cls(name for name, count in as_place.items() if min_count <= count <= limit)
        anywhere: Counter[str] = Counter()
        for text in texts:
            anywhere.update(draft.find(text))
        return cls(name for name in draft.names if anywhere[name] <= limit and as_place[name] >= 0.3 * anywhere[name])

    def find(self, text: str) -> set[str]:
        """Known names in ``text``, longest match at each position (丽发新城 rather than 丽发)."""
        text = ADMIN_CODE_RE.sub("，", text)
        found, i = set(), 0
        while i < len(text) - 1:
            for name in self._by_start.get(text[i : i + 2], ()):
                if text.startswith(name, i):
                    found.add(name)
                    i += len(name) - 1
                    break
            i += 1
        return found

    def places(self, title: str, body: str, known: str | None = None) -> Places:
        """The places of one message; ``known`` is a place the caller already has (its community)."""
        stated = frozenset(self.find(title))
        title_names = stated | ({known} if known else set())
        return Places(
            frozenset(admin_areas(f"{title}。{body}")), frozenset(self.find(body) | title_names), title_names, stated
        )
