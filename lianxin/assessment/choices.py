"""Assessment vocabularies (pure; ``lianxin.choices.Choice``): exclusion reason codes and request states."""

from __future__ import annotations

from lianxin.choices import Choice


class ExclusionReason(Choice):
    UNREASONABLE = "unreasonable", "诉求不合理", "Unreasonable appeal"
    LEGAL_CHANNEL = "legal_channel", "应通过法定途径解决", "Belongs to a legal channel"
    REPEAT = "repeat", "重复诉求", "Repeat appeal"
    MALICIOUS = "malicious", "恶意诉求", "Malicious appeal"
    BEYOND_DUTY = "beyond_duty", "超出承办单位职责", "Beyond the unit's duties"
    OBJECTIVE_CONSTRAINT = "objective_constraint", "受客观条件制约暂时无法解决", "Objective constraints"


class ExclusionState(Choice):
    PENDING = "pending", "待审核", "Pending", "orange"
    APPROVED = "approved", "已同意", "Approved", "green"
    REJECTED = "rejected", "已驳回", "Rejected", "red"
