"""The test city with the telephone side's defaults (expert domains, hotlines), the operator at seat 8001 and an
expert seat of 医保 at 8002."""

from __future__ import annotations

import pytest

from lianxin.calls.defaults import ensure_defaults
from lianxin.calls.tables import set_operator_skills, set_seat
from lianxin.orgs.models import Role
from lianxin.orgs.service import create_user
from tests.factories import PASSWORD


@pytest.fixture
def phones(db, city):
    ensure_defaults(db, city.jurisdiction)
    set_seat(db, city.users["operator"], "8001")
    city.users["expert"] = create_user(
        db,
        jurisdiction_id=city.jid,
        username=f"{city.jurisdiction.code}-expert",
        display_name="expert",
        password=PASSWORD,
        grants=[(Role.OPERATOR, city.units["centre"])],
    )
    set_seat(db, city.users["expert"], "8002")
    set_operator_skills(db, city.users["expert"], ["medical", "hrss"])
    return city
