"""The local time zone comes from the settings (LIANXIN_TIMEZONE, default Asia/Shanghai) and is the only one
the package uses: order numbers, the working-day calendar, the pages' times and typed-in dates follow it."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from pydantic import ValidationError

import lianxin
from lianxin import clock
from lianxin.config import Settings, get_settings
from lianxin.sla.calendar import WorkingCalendar
from lianxin.web.templating import templates

EVENING_UTC = datetime(2026, 3, 2, 20, 0, tzinfo=UTC)  # Tue 04:00 in Shanghai, Mon 21:00 in Berlin


@pytest.fixture
def berlin(monkeypatch):
    monkeypatch.setenv("LIANXIN_TIMEZONE", "Europe/Berlin")
    get_settings.cache_clear()
    yield
    monkeypatch.delenv("LIANXIN_TIMEZONE")
    get_settings.cache_clear()


def test_the_default_zone_is_shanghai():
    assert str(clock.local_zone()) == "Asia/Shanghai"
    assert clock.local_text(EVENING_UTC) == "2026-03-03 04:00" and clock.local_text(None) == "—"
    assert clock.local_date(EVENING_UTC) == date(2026, 3, 3)
    assert clock.local_start(date(2026, 3, 3)) == datetime(2026, 3, 2, 16, tzinfo=UTC)


def test_the_zone_follows_the_setting(berlin):
    assert str(clock.local_zone()) == "Europe/Berlin"
    assert clock.local_text(EVENING_UTC) == "2026-03-02 21:00"
    assert clock.local_date(EVENING_UTC) == date(2026, 3, 2)
    assert templates.env.from_string("{{ t | local }}").render(t=EVENING_UTC) == "2026-03-02 21:00"
    assert WorkingCalendar().tz == clock.local_zone()  # the deadline calendar's working day is local too
    with clock.at(EVENING_UTC):
        assert clock.local_now().hour == 21


def test_order_numbers_carry_the_local_date(db, berlin):
    from lianxin.appeals.service import next_order_no

    assert next_order_no(db, EVENING_UTC).startswith("20260302")


def test_an_unknown_zone_is_refused_at_start_up():
    with pytest.raises(ValidationError, match="未知时区.*unknown time zone"):
        Settings(timezone="Mars/Olympus")
    assert Settings(timezone="Asia/Urumqi").timezone == "Asia/Urumqi"


# The packages held to it (all there were when the rule came); a new package joins once it uses clock.local_zone().
CHECKED = {
    *"api appeals assessment dispatch geo hotspots knowledge ledger open311 orgs pledges residents".split(),
    *"routing sla stats topics visits web webhooks wishes".split(),
    *"app.py cli.py cli_common.py db.py defaults.py demo.py demo_appeals.py demo_data.py errors.py jobs.py logs.py".split(),
    "models.py",
    *"modules.py notify.py progress.py choices.py ratelimit.py".split(),
}


def test_no_module_names_a_zone_of_its_own():
    package = Path(lianxin.__file__).parent
    offenders = [
        str(path.relative_to(package))
        for path in package.rglob("*.py")
        if "migrations" not in path.parts
        and path.name not in ("clock.py", "config.py")
        and path.relative_to(package).parts[0] in CHECKED
        and re.search(r"ZoneInfo\(|timedelta\(hours=8\)", path.read_text(encoding="utf-8"))
    ]
    assert offenders == []


def test_the_older_name_of_the_zone_follows_the_setting(berlin):
    from lianxin.appeals.service import SHANGHAI
    from lianxin.sla import calendar

    assert SHANGHAI == calendar.SHANGHAI == clock.local_zone() and str(SHANGHAI) == "Europe/Berlin"
