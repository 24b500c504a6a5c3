"""Imports every domain's models so that ``Base.metadata`` is complete (Alembic, tests)."""

from lianxin.appeals.models import Appeal, AppealEvent, AppealRequest, AppealUnit, Appellant, Attachment, Category, OrderSequence
from lianxin.db import Base
from lianxin.hotspots.models import Hotspot, HotspotSnapshot
from lianxin.notify import Notification
from lianxin.orgs.models import GridStaff, Jurisdiction, RoleGrant, Unit, User
from lianxin.sla.models import CalendarOverride, TimeLimitPolicy
from lianxin.topics.models import Topic, TopicPolicy, TopicTask
from lianxin.visits.models import ReturnVisit

__all__ = [
    "Appeal", "AppealEvent", "AppealRequest", "AppealUnit", "Appellant", "Attachment", "Base", "CalendarOverride",
    "Category", "GridStaff", "Jurisdiction", "Notification", "OrderSequence", "ReturnVisit", "RoleGrant",
    "TimeLimitPolicy", "Unit", "User",
    "Hotspot", "HotspotSnapshot", "Topic", "TopicPolicy", "TopicTask",
]
