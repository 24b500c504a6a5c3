"""The value-list convention (lianxin.choices): every list has a Chinese and an English label for every
value, colours come from the stylesheet's set, templates show the page's language, input is parsed strictly."""

from __future__ import annotations

import importlib
import pkgutil
import re
from enum import StrEnum

import pytest

import lianxin
from lianxin.appeals.choices import Channel, Urgency
from lianxin.appeals.status import AppealStatus
from lianxin.choices import COLOURS, Choice, all_choices, colour_of, label_of
from lianxin.web.templating import templates

CJK = re.compile(r"[\u4e00-\u9fff]")


def every_module():
    for info in pkgutil.walk_packages(lianxin.__path__, "lianxin."):
        if ".migrations" in info.name or info.name.endswith("__main__"):
            continue
        yield importlib.import_module(info.name)


@pytest.fixture(scope="module")
def choices() -> list[type[Choice]]:
    list(every_module())
    return all_choices()


def test_every_choice_has_a_chinese_and_an_english_label(choices):
    assert len(choices) >= 15
    for cls in choices:
        for member in cls:
            assert CJK.search(member.zh), f"{cls.__name__}.{member.name} has no Chinese label"
            assert member.en and not CJK.search(member.en), f"{cls.__name__}.{member.name} has no English label"
            assert member.colour in ("", *COLOURS), f"{cls.__name__}.{member.name}: colour {member.colour!r}"
        assert len({m.zh for m in cls}) == len(cls), f"{cls.__name__}: two values share a Chinese label"


def test_every_value_list_is_a_choice():
    """A StrEnum that is not a Choice has no labels; none is left outside the exceptions named here."""
    plain = {
        f"{value.__module__}.{value.__qualname__}"
        for module in every_module()
        for value in vars(module).values()
        if isinstance(value, type)
        and issubclass(value, StrEnum)
        and value not in (StrEnum, Choice)
        and not issubclass(value, Choice)
    }
    assert sorted(p for p in plain - EXCEPTIONS if p.split(".")[1] in CHECKED) == []


# The packages held to it. A package that arrives with plain StrEnums joins this list once they are Choices.
CHECKED = {
    *"api appeals assessment dispatch geo hotspots knowledge ledger open311 orgs pledges residents".split(),
    *"routing sla stats topics visits web webhooks wishes choices clock config".split(),
}


EXCEPTIONS = {
    # verbs, not values shown in a list: labelled by the verb table (appeals.status.ACTION_LABELS_ZH)
    "lianxin.appeals.status.Action",
    # event kinds: history records, labelled where shown by the timeline (appeals.status.EventKind, issue 11)
    "lianxin.appeals.status.EventKind",
    # 办实事 statuses carry a default progress and are becoming an editable vocabulary (issue 17)
    "lianxin.pledges.status.ListStatus",
    "lianxin.pledges.status.ListAction",
    "lianxin.pledges.status.ItemStatus",
    "lianxin.pledges.status.ItemAction",
    "lianxin.pledges.status.RatingKind",
}


def test_a_choice_is_its_value():
    assert Urgency.URGENT == "urgent" and Urgency("urgent") is Urgency.URGENT and f"{Urgency.URGENT}" == "urgent"
    assert (Urgency.URGENT.zh, Urgency.URGENT.en, Urgency.URGENT.label("en"), Urgency.URGENT.label("zh-CN")) == (
        "紧急",
        "Urgent",
        "Urgent",
        "紧急",
    )
    assert Urgency.URGENT.label_zh == "紧急" and Urgency.URGENT.label_en == "Urgent"
    assert Urgency.options("en")[0] == ("normal", "Normal")
    assert AppealStatus.CLOSED.colour == "green" and colour_of(AppealStatus.CLOSED) == "green"
    assert colour_of(Channel.WEB) == "grey" and colour_of("anything") == "grey"
    assert label_of(None) == "—" and label_of("free text") == "free text" and label_of(Channel.WEB, "en") == "Web"


def test_parse_accepts_the_value_or_a_label_and_refuses_the_rest():
    assert Channel.parse("网站") is Channel.WEB and Channel.parse(" web ") is Channel.WEB
    assert Channel.parse("Hotline") is Channel.HOTLINE
    with pytest.raises(ValueError, match="无效的取值「fax」.*invalid value 'fax'"):
        Channel.parse("fax")
    with pytest.raises(ValueError, match="无效的取值"):
        Channel.parse(None)


@pytest.mark.parametrize("lang,expected", [("zh-CN", "已办结 green"), ("en", "Closed green")])
def test_the_label_filter_follows_the_page_language(lang, expected):
    page = templates.env.from_string("{{ s | label }} {{ s | colour }}")
    assert page.render(s=AppealStatus.CLOSED, lang=lang) == expected
    assert templates.env.from_string("{{ s | label }}").render(s=None, lang=lang) == "—"
