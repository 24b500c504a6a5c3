"""Jurisdictions, the unit tree, staff users with unit-scoped roles, and grid staff (三长)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lianxin.choices import Choice
from lianxin.clock import utcnow
from lianxin.db import Base, UTCDateTime, enum_column_type


class UnitKind(Choice):
    CITY = "city", "市", "City"
    DISTRICT = "district", "区县", "District"
    STREET = "street", "街道/乡镇", "Street / township"
    COMMUNITY = "community", "社区/村", "Community / village"
    GRID = "grid", "网格", "Grid"
    DEPARTMENT = "department", "职能部门", "Department"
    ENTERPRISE = "enterprise", "公共服务企业", "Public-service enterprise"  # 水电气热
    CENTRE = "centre", "热线中心", "Hotline centre"  # 12345


UNIT_KIND_LABELS = {k: k.zh for k in UnitKind}  # the Chinese labels, by kind (older spelling of UnitKind.X.zh)


class Role(Choice):
    OPERATOR = "operator", "话务员", "Operator"
    DISPATCHER = "dispatcher", "派单员", "Dispatcher"
    HANDLER = "handler", "承办人", "Handler"
    GRID_WORKER = "grid_worker", "网格员", "Grid worker"
    VISITOR = "visitor", "回访员", "Return visitor"
    LEADER = "leader", "领导", "Leader"
    ADMIN = "admin", "管理员", "Administrator"
    AUDITOR = "auditor", "审计员", "Auditor"  # reads the personal-data audit log, sees no appeal
    PARTY_SECRETARY = "party_secretary", "党组织书记", "Party secretary"  # wishes: the organisation's dashboard


ROLE_LABELS = {r: r.zh for r in Role}  # the Chinese labels, by role (older spelling of Role.X.zh)


class GridPosition(Choice):
    GRID_WORKER = "grid_worker", "网格员", "Grid worker"
    BUILDING_HEAD = "building_head", "楼栋长", "Building head"
    UNIT_HEAD = "unit_head", "单元长", "Stairwell head"


class Jurisdiction(Base):
    """A deployment's administrative scope (the future sharding key)."""

    __tablename__ = "jurisdictions"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Unit(Base):
    __tablename__ = "units"
    __table_args__ = (UniqueConstraint("jurisdiction_id", "code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    kind: Mapped[UnitKind] = mapped_column(enum_column_type(UnitKind, "unit_kind"))
    code: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(100))
    # For enterprises: water / power / gas / heat (水电气热).
    utility: Mapped[str | None] = mapped_column(String(16))
    phone: Mapped[str | None] = mapped_column(String(32))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    parent: Mapped[Unit | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[Unit]] = relationship(back_populates="parent")

    def __repr__(self) -> str:
        return f"<Unit {self.code} {self.name}>"


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(64))
    phone: Mapped[str | None] = mapped_column(String(32))
    password_hash: Mapped[str] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    grants: Mapped[list[RoleGrant]] = relationship(back_populates="user", cascade="all, delete-orphan", lazy="selectin")

    def __repr__(self) -> str:
        return f"<User {self.username}>"


class RoleGrant(Base):
    """A role held by a user within a unit (and the units below it)."""

    __tablename__ = "role_grants"
    __table_args__ = (UniqueConstraint("user_id", "role", "unit_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[Role] = mapped_column(enum_column_type(Role, "role"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)

    user: Mapped[User] = relationship(back_populates="grants")
    unit: Mapped[Unit] = relationship(lazy="joined")


class GridStaff(Base):
    """Grid worker, building head or unit head (三长) of a grid; may or may not have a login."""

    __tablename__ = "grid_staff"
    id: Mapped[int] = mapped_column(primary_key=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    grid_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    position: Mapped[GridPosition] = mapped_column(enum_column_type(GridPosition, "grid_position"))
    name: Mapped[str] = mapped_column(String(64))
    phone: Mapped[str | None] = mapped_column(String(32))
    building: Mapped[str | None] = mapped_column(String(64))
    sort: Mapped[int] = mapped_column(Integer, default=0)
