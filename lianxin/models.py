"""Imports every domain's models so that ``Base.metadata`` is complete (Alembic, tests)."""

from lianxin.api.models import ApiKey, IdempotencyRecord
from lianxin.appeals.models import Appeal, AppealEvent, AppealRequest, AppealUnit, Appellant, Attachment, Category, OrderSequence
from lianxin.assessment.models import AssessmentExclusion, AssessmentSettings
from lianxin.db import Base
from lianxin.dispatch.models import AppealTerm, DispatchRule  # noqa: F401
from lianxin.geo.models import Place, UnitArea  # noqa: F401
from lianxin.hotspots.models import Hotspot, HotspotSnapshot
from lianxin.knowledge.models import KbEntry  # noqa: F401
from lianxin.notify import Notification
from lianxin.open311.models import CategoryAttribute, Open311Request
from lianxin.orgs.models import GridStaff, Jurisdiction, RoleGrant, Unit, User
from lianxin.pledges.models import (  # noqa: F401
    PledgeDecision, PledgeEvent, PledgeItem, PledgeList, PledgeListVersion, PledgeMeeting, PledgeMilestone,
    PledgeRating, PledgeTarget,
)
from lianxin.ratelimit import RateCounter, RateLock  # noqa: F401
from lianxin.routing.models import RoutingLabel, RoutingModel
from lianxin.sla.models import CalendarOverride, TimeLimitPolicy
from lianxin.stats.models import StatsBreakdown, StatsRollup, StatsWatermark
from lianxin.topics.models import Topic, TopicPolicy, TopicTask
from lianxin.visits.models import ReturnVisit
from lianxin.webhooks.models import Webhook, WebhookDelivery

__all__ = [
    "Appeal", "AppealEvent", "AppealRequest", "AppealUnit", "Appellant", "Attachment", "Base", "CalendarOverride",
    "Category", "GridStaff", "Jurisdiction", "Notification", "OrderSequence", "ReturnVisit", "RoleGrant", "RoutingLabel", "RoutingModel",
    "TimeLimitPolicy", "Unit", "User",
    "Hotspot", "HotspotSnapshot", "Topic", "TopicPolicy", "TopicTask",
]
from lianxin.residents.models import LoginCode, ResidentAccount  # noqa: F401
