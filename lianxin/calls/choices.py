"""Value lists of the telephone side (pure; ``lianxin.choices.Choice``: value, zh, en[, colour])."""

from __future__ import annotations

from lianxin.choices import Choice


class CallStatus(Choice):
    RINGING = "ringing", "振铃中", "Ringing", "orange"
    ANSWERED = "answered", "通话中", "Answered", "blue"
    ENDED = "ended", "已挂机", "Ended", "grey"
    MISSED = "missed", "未接", "Missed", "red"


class SwitchEvent(Choice):
    """What the switch (CTI / PBX adapter) reports."""

    RINGING = "ringing", "振铃", "Ringing"
    ANSWERED = "answered", "接听", "Answered"
    ENDED = "ended", "挂机", "Ended"


class CallEventKind(Choice):
    RINGING = "ringing", "振铃", "Ringing"
    ANSWERED = "answered", "接听", "Answered"
    ENDED = "ended", "挂机", "Ended"
    LINKED = "linked", "关联工单", "Linked to an appeal"
    EXPERT = "expert", "转专家座席", "Handed to an expert seat"
    TRANSFER = "transfer", "转接公共服务热线", "Transferred to a utility hotline"


class HotlineKind(Choice):
    MERGED = "merged", "并入12345的部门热线", "Merged department hotline"  # 一号通
    UTILITY = "utility", "公共服务企业热线", "Utility hotline"  # transfer target


class ExpertReason(Choice):
    HANDOVER = "handover", "话务员转交", "Handed over by the operator"
    MARKED = "marked", "登记时标记专家", "Marked for an expert at intake"
    CATEGORY = "category", "按分类转专家", "By category"


class ExpertState(Choice):
    WAITING = "waiting", "待接", "Waiting", "orange"
    TAKEN = "taken", "已接", "Taken", "green"
