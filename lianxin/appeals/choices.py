"""Appeal vocabularies: channel, type, urgency, reason codes (pure; labels in Chinese and English)."""

from __future__ import annotations

from enum import StrEnum


class Labelled(StrEnum):
    """A StrEnum whose members carry a Chinese and an English label in ``LABELS``."""

    @property
    def label_zh(self) -> str:
        return self._labels()[self][0]

    @property
    def label_en(self) -> str:
        return self._labels()[self][1]

    @classmethod
    def _labels(cls) -> dict:
        return LABELS[cls.__name__]

    @classmethod
    def parse(cls, value: str):
        """Accept the code or either label; raise ValueError with a bilingual message."""
        for member in cls:
            if value in (member.value, member.label_zh, member.label_en):
                return member
        options = "、".join(f"{m.value}({m.label_zh})" for m in cls)
        raise ValueError(f"无效的取值「{value}」，可选：{options} / invalid value {value!r}")


class Channel(Labelled):
    HOTLINE = "hotline"
    WEB = "web"
    MOBILE = "mobile"
    MINI_PROGRAM = "mini_program"
    SERVICE_STATION = "service_station"  # 说事站
    SERVICE_POINT = "service_point"  # 说事点
    SUGGESTION_BOX = "suggestion_box"  # 说事箱
    GRID_PATROL = "grid_patrol"
    SENSOR = "sensor"
    POLICE_TRANSFER = "police_transfer"  # 110 转接
    UPPER_PLATFORM = "upper_platform"  # 上级平台转办
    API = "api"


class AppealType(Labelled):
    CONSULT = "consult"
    HELP = "help"
    COMPLAINT = "complaint"
    REPORT = "report"
    SUGGESTION = "suggestion"
    PRAISE = "praise"
    OTHER = "other"


class Urgency(Labelled):
    NORMAL = "normal"
    URGENT = "urgent"
    CRITICAL = "critical"


class NotAcceptedReason(Labelled):
    EMERGENCY_TRANSFER = "emergency_transfer"  # 110/119/120/122
    LEGAL_CHANNEL = "legal_channel"
    REPEAT_NO_NEW_FACTS = "repeat_no_new_facts"
    SECRET_PRIVACY = "secret_privacy"
    OUT_OF_SCOPE = "out_of_scope"
    UNLAWFUL = "unlawful"


class UnitRole(Labelled):
    LEAD = "lead"
    CO = "co"
    WHISTLED = "whistled"


class Satisfaction(Labelled):
    SATISFIED = "satisfied"
    BASICALLY = "basically_satisfied"
    DISSATISFIED = "dissatisfied"


class RequestKind(Labelled):
    RETURN = "return"  # 退单
    OBJECTION = "objection"  # 派单异议
    EXTENSION = "extension"  # 延期


class RequestState(Labelled):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


LABELS: dict[str, dict] = {
    "Channel": {
        Channel.HOTLINE: ("12345热线", "Hotline"),
        Channel.WEB: ("网站", "Web"),
        Channel.MOBILE: ("手机", "Mobile"),
        Channel.MINI_PROGRAM: ("小程序", "Mini-program"),
        Channel.SERVICE_STATION: ("说事站", "Service station"),
        Channel.SERVICE_POINT: ("说事点", "Service point"),
        Channel.SUGGESTION_BOX: ("说事箱", "Suggestion box"),
        Channel.GRID_PATROL: ("网格巡查", "Grid patrol"),
        Channel.SENSOR: ("感知设备", "Sensor"),
        Channel.POLICE_TRANSFER: ("110转接", "110 transfer"),
        Channel.UPPER_PLATFORM: ("上级平台", "Upper-level platform"),
        Channel.API: ("接口", "API"),
    },
    "AppealType": {
        AppealType.CONSULT: ("咨询", "Consultation"),
        AppealType.HELP: ("求助", "Request for help"),
        AppealType.COMPLAINT: ("投诉", "Complaint"),
        AppealType.REPORT: ("举报", "Report"),
        AppealType.SUGGESTION: ("建议", "Suggestion"),
        AppealType.PRAISE: ("表扬", "Praise"),
        AppealType.OTHER: ("其他", "Other"),
    },
    "Urgency": {
        Urgency.NORMAL: ("一般", "Normal"),
        Urgency.URGENT: ("紧急", "Urgent"),
        Urgency.CRITICAL: ("特急", "Critical"),
    },
    "NotAcceptedReason": {
        NotAcceptedReason.EMERGENCY_TRANSFER: ("紧急事项已转110/119/120/122", "Emergency transferred"),
        NotAcceptedReason.LEGAL_CHANNEL: ("应通过法定途径解决", "Belongs to a legal channel"),
        NotAcceptedReason.REPEAT_NO_NEW_FACTS: ("重复诉求且无新事实", "Repeat without new facts"),
        NotAcceptedReason.SECRET_PRIVACY: ("涉及秘密或隐私", "Secrets or privacy"),
        NotAcceptedReason.OUT_OF_SCOPE: ("不属于任何承办单位职责", "Outside every unit's duties"),
        NotAcceptedReason.UNLAWFUL: ("违法或违背公序良俗", "Unlawful or immoral demand"),
    },
    "UnitRole": {
        UnitRole.LEAD: ("主办", "Lead"),
        UnitRole.CO: ("协办", "Co-handler"),
        UnitRole.WHISTLED: ("吹哨报到", "Called in"),
    },
    "Satisfaction": {
        Satisfaction.SATISFIED: ("满意", "Satisfied"),
        Satisfaction.BASICALLY: ("基本满意", "Basically satisfied"),
        Satisfaction.DISSATISFIED: ("不满意", "Dissatisfied"),
    },
    "RequestKind": {
        RequestKind.RETURN: ("退单", "Return"),
        RequestKind.OBJECTION: ("派单异议", "Dispatch objection"),
        RequestKind.EXTENSION: ("延期", "Extension"),
    },
    "RequestState": {
        RequestState.PENDING: ("待审核", "Pending"),
        RequestState.APPROVED: ("已同意", "Approved"),
        RequestState.REJECTED: ("已驳回", "Rejected"),
        RequestState.WITHDRAWN: ("已撤回", "Withdrawn"),
    },
}
