"""Imports every model so that ``Base.metadata`` is complete (Alembic, tests): the core's here, and the
``models.py`` of every package in ``lianxin.modules.MODULES`` — enabled or not, since migrations are
global and a switched-off module keeps its tables."""

from importlib import import_module
from importlib.util import find_spec

from lianxin.api.models import ApiKey, IdempotencyRecord
from lianxin.appeals.models import (
    Appeal,
    AppealEvent,
    AppealRequest,
    AppealUnit,
    Appellant,
    Attachment,
    Category,
    OrderSequence,
)
from lianxin.db import Base
from lianxin.modules import MODULES
from lianxin.notify import Notification
from lianxin.orgs.models import GridStaff, Jurisdiction, RoleGrant, Unit, User
from lianxin.ratelimit import RateCounter, RateLock  # noqa: F401  (core: every interface is rate-limited)
from lianxin.sla.models import CalendarOverride, TimeLimitPolicy
from lianxin.visits.models import ReturnVisit

for _package in MODULES:
    if find_spec(f"{_package}.models") is not None:
        import_module(f"{_package}.models")

__all__ = [
    "ApiKey",
    "Appeal",
    "AppealEvent",
    "AppealRequest",
    "AppealUnit",
    "Appellant",
    "Attachment",
    "Base",
    "CalendarOverride",
    "Category",
    "GridStaff",
    "IdempotencyRecord",
    "Jurisdiction",
    "Notification",
    "OrderSequence",
    "ReturnVisit",
    "RoleGrant",
    "TimeLimitPolicy",
    "Unit",
    "User",
]
