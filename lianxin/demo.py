"""The demo city behind ``lianxin demo``: units, grids and their staff, users for every role, and appeals.

Every appeal lives through the real service verbs at past moments (``clock.at``). Each appeal's life
is a generator that yields the moment of its next step; a runner interleaves all of them in time
order, so order numbers, events, deadlines, requests, visits and notifications are exactly what the
platform would have recorded, and nothing ever happens after "now". Texts come from the Teddy Cup
2020 data in ``settings.demo_data_dir`` (read at run time, never copied into the package) or from the
small invented set in ``lianxin/data/demo_texts.txt``.
"""

from __future__ import annotations

import random
import secrets
import string
import time
from collections import Counter
from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lianxin import clock, progress
from lianxin.appeals.models import Appeal, Category
from lianxin.appeals.status import AppealStatus
from lianxin.config import Settings
from lianxin.defaults import ensure_defaults
from lianxin.demo_appeals import AppealStories
from lianxin.demo_data import (  # noqa: F401 (re-exported: lianxin.demo is the demo's public face)
    CENTRE_STAFF,
    CITY_CENTRE,
    CITY_CODE,
    DEPARTMENTS,
    DISTRICTS,
    ENTERPRISES,
    GIVEN,
    JURISDICTION_CODE,
    LOCAL,
    ROUTE_PREFIXES,
    ROUTES,
    SURNAMES,
    DemoText,
    S,
    builtin_texts,
    categorise,
    load_texts,
)
from lianxin.errors import Conflict, InvalidInput
from lianxin.modules import Module, call_hooks, enabled_modules, resolve, run_hooks
from lianxin.orgs.models import (
    ROLE_LABELS,
    UNIT_KIND_LABELS,
    GridPosition,
    GridStaff,
    Jurisdiction,
    Role,
    Unit,
    UnitKind,
    User,
)
from lianxin.orgs.service import create_unit, create_user, hash_password


class DemoExists(Conflict):
    code = "demo_exists"

    def __init__(self) -> None:
        super().__init__(
            f"示范城市已存在（单位编码 {CITY_CODE}），未做任何改动",
            f"the demo city already exists (unit {CITY_CODE}); nothing was changed",
        )


class _DemoCity(AppealStories):
    def __init__(self, session: Session, jurisdiction: Jurisdiction, seed: int):
        self.s, self.jid, self.rng = session, jurisdiction.id, random.Random(seed)
        self.city_name = jurisdiction.name
        self.now = clock.utcnow()
        self.password = "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(12))
        self.password_hash = hash_password(self.password)
        self.by_code: dict[str, Unit] = {}
        self.street_of: dict[int, Unit] = {}  # community id → its street
        self.district_of: dict[int, Unit] = {}  # street/community id → its district
        self.grids: dict[int, list[Unit]] = {}  # community id → its grids
        self.position: dict[int, tuple[float, float]] = {}  # community id → map position
        self.grid_workers: dict[int, GridStaff] = {}  # grid id → its 网格员
        self.staff: dict[Role, list[User]] = {}
        self.handlers: dict[int, User] = {}  # unit id → its handler
        self.leaders: dict[int, User] = {}  # city/district unit id → its leader
        self.patrol_users: dict[int, User] = {}  # grid id → the grid worker's login
        self.appeals: list[Appeal] = []
        self.targets: dict[int, AppealStatus] = {}
        self.category_paths: dict[int, str] = {}  # parents are loaded before their children
        self.category_ids: dict[str, int] = {}  # only active categories take new appeals
        for cid, parent, name, active in session.execute(
            select(Category.id, Category.parent_id, Category.name, Category.active)
            .where(Category.jurisdiction_id == self.jid)
            .order_by(Category.level, Category.id)
        ):
            self.category_paths[cid] = f"{self.category_paths[parent]}/{name}" if parent else name
            if active:
                self.category_ids[self.category_paths[cid]] = cid

    # --- people ------------------------------------------------------------------------------------

    def _name(self) -> str:
        return self.rng.choice(SURNAMES) + "".join(self.rng.choices(GIVEN, k=self.rng.choice((1, 2, 2))))

    def _phone(self) -> str:
        """Valid mobile numbers that are obviously not real: 1[3-9]X 0000 XXXX."""
        return f"1{self.rng.choice('3456789')}{self.rng.randrange(10)}0000{self.rng.randrange(10000):04d}"

    # --- units -------------------------------------------------------------------------------------

    def _unit(
        self, kind: UnitKind, code: str, name: str, parent: Unit | None = None, utility: str | None = None
    ) -> Unit:
        unit = create_unit(
            self.s, jurisdiction_id=self.jid, kind=kind, code=code, name=name, parent=parent, utility=utility
        )
        self.by_code[code] = unit
        return unit

    def _of_kind(self, *kinds: UnitKind) -> list[Unit]:
        return [unit for unit in self.by_code.values() if unit.kind in kinds]

    def build_units(self) -> None:
        city = self._unit(UnitKind.CITY, CITY_CODE, self.city_name)
        for d, (district_name, streets) in enumerate(DISTRICTS, 1):
            district = self._unit(UnitKind.DISTRICT, f"DEMO-D{d}", district_name, city)
            for s, (street_name, communities) in enumerate(streets, 1):
                street = self._unit(UnitKind.STREET, f"{district.code}-S{s}", street_name, district)
                self.district_of[street.id] = district
                for c, community_name in enumerate(communities, 1):
                    community = self._unit(UnitKind.COMMUNITY, f"{street.code}-C{c}", community_name, street)
                    self.street_of[community.id], self.district_of[community.id] = street, district
                    self.position[community.id] = (
                        CITY_CENTRE[0] + (d - 1.5) * 0.16 + (s - 2) * 0.04 + (c - 2) * 0.012,
                        CITY_CENTRE[1] + (d - 1.5) * 0.2 + (c - 2) * 0.015 - (s - 2) * 0.03,
                    )
                    self.grids[community.id] = [
                        self._unit(
                            UnitKind.GRID, f"{community.code}-G{g}", f"{community_name}第{'一二'[g - 1]}网格", community
                        )
                        for g in (1, 2)
                    ]
                    for g, grid in enumerate(self.grids[community.id]):
                        self._grid_staff(grid, g, village=community_name.endswith("村"))
        for code, name in DEPARTMENTS:
            self._unit(UnitKind.DEPARTMENT, f"DEMO-{code}", f"{self.city_name}{name}", city)
        for code, name, utility in ENTERPRISES:
            self._unit(UnitKind.ENTERPRISE, f"DEMO-{code}", f"{self.city_name}{name}", city, utility=utility)
        self.s.flush()

    def _grid_staff(self, grid: Unit, g: int, *, village: bool) -> None:
        """A 网格员; residential grids add 楼栋长 and 单元长, village grids 楼栋长 for two 村民小组."""
        buildings = (
            [f"{n}组" for n in (2 * g + 1, 2 * g + 2)]
            if village
            else [f"{n}号楼" for n in self.rng.sample(range(6 * g + 1, 6 * g + 7), 2)]
        )
        rows = [(GridPosition.GRID_WORKER, None)] + [(GridPosition.BUILDING_HEAD, b) for b in buildings]
        if not village:
            rows += [(GridPosition.UNIT_HEAD, f"{b}{self.rng.randint(1, 4)}单元") for b in buildings]
        for sort, (position, building) in enumerate(rows):
            staff = GridStaff(
                jurisdiction_id=self.jid,
                grid_id=grid.id,
                position=position,
                name=self._name(),
                phone=self._phone(),
                building=building,
                sort=sort,
            )
            self.s.add(staff)
            if position == GridPosition.GRID_WORKER:
                self.grid_workers[grid.id] = staff

    # --- users -------------------------------------------------------------------------------------

    def _user(self, username: str, display_name: str, role: Role, unit: Unit, phone: str | None = None) -> User:
        user = create_user(
            self.s,
            jurisdiction_id=self.jid,
            username=username,
            display_name=display_name,
            password_hash=self.password_hash,  # one argon2 hash for the shared password, not one per user
            grants=[(role, unit)],
            phone=phone,
        )
        self.staff.setdefault(role, []).append(user)
        return user

    def build_users(self) -> None:
        """admin, centre staff, a leader for the city and each district, a handler for every street,
        department and enterprise and for each street's first community, and a login for the grid
        worker of each of those communities' first grid."""
        slug = lambda unit: unit.code.removeprefix("DEMO-").lower()  # noqa: E731
        city = self.by_code[CITY_CODE]
        centre = self.s.scalar(select(Unit).where(Unit.jurisdiction_id == self.jid, Unit.kind == UnitKind.CENTRE))
        self._user("admin", "系统管理员", Role.ADMIN, city)
        self._user("auditor", "审计员", Role.AUDITOR, centre)  # reads the personal-data audit log
        for role, count in CENTRE_STAFF:
            for n in range(1, count + 1):
                self._user(f"{role.value}{n}", f"{self._name()}（{ROLE_LABELS[role]}）", role, centre)
        for unit in [city] + self._of_kind(UnitKind.DISTRICT):
            name = "city" if unit is city else slug(unit)
            self.leaders[unit.id] = self._user(f"leader.{name}", f"{self._name()}（{unit.name}）", Role.LEADER, unit)
        first_communities = [u for u in self._of_kind(UnitKind.COMMUNITY) if u.code.endswith("-C1")]
        for unit in self._of_kind(UnitKind.STREET, UnitKind.DEPARTMENT, UnitKind.ENTERPRISE) + first_communities:
            self.handlers[unit.id] = self._user(
                f"handler.{slug(unit)}", f"{self._name()}（{unit.name}）", Role.HANDLER, unit
            )
        for community in first_communities:
            grid = self.grids[community.id][0]
            staff = self.grid_workers[grid.id]
            user = self._user(f"grid.{slug(grid)}", staff.name, Role.GRID_WORKER, grid, phone=staff.phone)
            staff.user_id = user.id
            self.patrol_users[grid.id] = user
        self.s.flush()

    # --- report ------------------------------------------------------------------------------------

    def report(self, source: str, days: int, seconds: float) -> str:
        kinds = dict(
            self.s.execute(
                select(Unit.kind, func.count(Unit.id)).where(Unit.jurisdiction_id == self.jid).group_by(Unit.kind)
            ).all()
        )
        statuses = Counter(AppealStatus(a.status) for a in self.appeals)
        staff = self.s.scalar(select(func.count(GridStaff.id)).where(GridStaff.jurisdiction_id == self.jid))
        lines = [
            f"示范城市已生成 / demo city built: {self.city_name}（辖区 / jurisdiction {JURISDICTION_CODE}）",
            "单位 / units: "
            + " · ".join(f"{UNIT_KIND_LABELS[k]} {k.value} {kinds[k]}" for k in UnitKind if k in kinds),
            f"网格人员 / grid staff (网格员、楼栋长、单元长): {staff}",
            f"工单 / appeals: {len(self.appeals)}（近 {days} 天 / last {days} days）",
            f"文本 / texts: {source}",
        ]
        lines += [f"  {status.label_zh}\t{status.value:<13}{statuses[status]:>6}" for status in AppealStatus]
        lines.append(
            f"登录名 / logins — 共用密码 / shared password: {self.password}  （仅显示这一次 / shown only once）"
        )
        lines += [
            f"  {ROLE_LABELS[role]} {role.value}: {', '.join(u.username for u in self.staff[role])}"
            for role in Role
            if role in self.staff
        ]
        lines.append(f"用时 / built in {seconds:.1f} s")
        return "\n".join(lines)


DemoCity = _DemoCity  # what a module's ``demo`` builder receives (jid, by_code, position, staff, rng, settings)


def demo_exists(session: Session) -> bool:
    return (
        session.scalar(
            select(Unit.id)
            .join(Jurisdiction, Unit.jurisdiction_id == Jurisdiction.id)
            .where(Jurisdiction.code == JURISDICTION_CODE, Unit.code == CITY_CODE)
        )
        is not None
    )


def build_demo(
    session: Session,
    settings: Settings,
    *,
    appeals: int = 1200,
    days: int = 90,
    seed: int = 2026,
    modules: Sequence[Module] | None = None,
) -> str:
    """Build the demo city in the default jurisdiction (without committing) and return the report.

    Each enabled module's ``demo`` builder runs once the units and staff exist, before the appeals
    (``modules``: the enabled modules unless given). Refuses with :class:`DemoExists` when it was
    built before, so a second run changes nothing.
    """
    started = time.perf_counter()
    if appeals < 0 or days < 1:
        raise InvalidInput("工单数量不能为负，天数至少为 1", "appeals must be >= 0 and days >= 1")
    if demo_exists(session):
        raise DemoExists()
    modules = enabled_modules(settings) if modules is None else modules
    jurisdiction = ensure_defaults(session, code=JURISDICTION_CODE)
    call_hooks(modules, "init_defaults", session, jurisdiction)
    demo = _DemoCity(session, jurisdiction, seed)
    demo.settings = settings
    progress.update(description="单位和人员 / units and staff")
    demo.build_units()
    demo.build_users()
    # Each module's demo hook builds its part of the city and returns what to tell the user (its logins too).
    extra = []
    for module in (m for m in modules if m.demo):
        progress.update(description=f"{module.label_zh} / {module.label_en}")
        extra.append(resolve(module.demo)(session, demo))
    extra = [text for text in extra if text]
    labelled, replied, source = load_texts(settings.demo_data_dir)
    progress.update(description="工单 / appeals", total=appeals)
    demo.build_appeals(appeals, days, labelled, replied)
    extra += [text for text in run_hooks("after_demo", session, demo, modules=modules) if text]
    return "\n".join([demo.report(source, days, time.perf_counter() - started), *extra])
