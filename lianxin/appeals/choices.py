"""Appeal vocabularies: channel, type, urgency, reason codes (pure; ``lianxin.choices.Choice``: value, zh, en)."""

from __future__ import annotations

from lianxin.choices import Choice


class Channel(Choice):
    HOTLINE = "hotline", "12345热线", "Hotline"
    WEB = "web", "网站", "Web"
    MOBILE = "mobile", "手机", "Mobile"
    MINI_PROGRAM = "mini_program", "小程序", "Mini-program"
    SERVICE_STATION = "service_station", "说事站", "Service station"  # 说事站
    SERVICE_POINT = "service_point", "说事点", "Service point"  # 说事点
    SUGGESTION_BOX = "suggestion_box", "说事箱", "Suggestion box"  # 说事箱
    GRID_PATROL = "grid_patrol", "网格巡查", "Grid patrol"
    SENSOR = "sensor", "感知设备", "Sensor"
    POLICE_TRANSFER = "police_transfer", "110转接", "110 transfer"  # 110 转接
    UPPER_PLATFORM = "upper_platform", "上级平台", "Upper-level platform"  # 上级平台转办
    API = "api", "接口", "API"


class AppealType(Choice):
    CONSULT = "consult", "咨询", "Consultation"
    HELP = "help", "求助", "Request for help"
    COMPLAINT = "complaint", "投诉", "Complaint"
    REPORT = "report", "举报", "Report"
    SUGGESTION = "suggestion", "建议", "Suggestion"
    PRAISE = "praise", "表扬", "Praise"
    OTHER = "other", "其他", "Other"


class Urgency(Choice):
    NORMAL = "normal", "一般", "Normal"
    URGENT = "urgent", "紧急", "Urgent"
    CRITICAL = "critical", "特急", "Critical"


class NotAcceptedReason(Choice):
    EMERGENCY_TRANSFER = "emergency_transfer", "紧急事项已转110/119/120/122", "Emergency transferred"  # 110/119/120/122
    LEGAL_CHANNEL = "legal_channel", "应通过法定途径解决", "Belongs to a legal channel"
    REPEAT_NO_NEW_FACTS = "repeat_no_new_facts", "重复诉求且无新事实", "Repeat without new facts"
    SECRET_PRIVACY = "secret_privacy", "涉及秘密或隐私", "Secrets or privacy"
    OUT_OF_SCOPE = "out_of_scope", "不属于任何承办单位职责", "Outside every unit's duties"
    UNLAWFUL = "unlawful", "违法或违背公序良俗", "Unlawful or immoral demand"


class UnitRole(Choice):
    LEAD = "lead", "主办", "Lead"
    CO = "co", "协办", "Co-handler"
    WHISTLED = "whistled", "吹哨报到", "Called in"


class Satisfaction(Choice):
    SATISFIED = "satisfied", "满意", "Satisfied"
    BASICALLY = "basically_satisfied", "基本满意", "Basically satisfied"
    DISSATISFIED = "dissatisfied", "不满意", "Dissatisfied"


class RequestKind(Choice):
    RETURN = "return", "退单", "Return"  # 退单
    OBJECTION = "objection", "派单异议", "Dispatch objection"  # 派单异议
    EXTENSION = "extension", "延期", "Extension"  # 延期


class RequestState(Choice):
    PENDING = "pending", "待审核", "Pending"
    APPROVED = "approved", "已同意", "Approved"
    REJECTED = "rejected", "已驳回", "Rejected"
    WITHDRAWN = "withdrawn", "已撤回", "Withdrawn"
