"""Assessment vocabularies (pure): exclusion reason codes and request states."""

from __future__ import annotations

from lianxin.appeals.choices import LABELS, Labelled


class ExclusionReason(Labelled):
    UNREASONABLE = "unreasonable"  # 不合理诉求
    LEGAL_CHANNEL = "legal_channel"  # 应通过法定途径解决
    REPEAT = "repeat"  # 重复诉求
    MALICIOUS = "malicious"  # 恶意诉求
    BEYOND_DUTY = "beyond_duty"  # 超出职责范围
    OBJECTIVE_CONSTRAINT = "objective_constraint"  # 受客观条件制约


class ExclusionState(Labelled):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


LABELS["ExclusionReason"] = {
    ExclusionReason.UNREASONABLE: ("诉求不合理", "Unreasonable appeal"),
    ExclusionReason.LEGAL_CHANNEL: ("应通过法定途径解决", "Belongs to a legal channel"),
    ExclusionReason.REPEAT: ("重复诉求", "Repeat appeal"),
    ExclusionReason.MALICIOUS: ("恶意诉求", "Malicious appeal"),
    ExclusionReason.BEYOND_DUTY: ("超出承办单位职责", "Beyond the unit's duties"),
    ExclusionReason.OBJECTIVE_CONSTRAINT: ("受客观条件制约暂时无法解决", "Objective constraints"),
}
LABELS["ExclusionState"] = {
    ExclusionState.PENDING: ("待审核", "Pending"),
    ExclusionState.APPROVED: ("已同意", "Approved"),
    ExclusionState.REJECTED: ("已驳回", "Rejected"),
}
