"""A small catalogue on the test city: a centre with opening hours, three items of two departments and a
一件事 bundle of two of them; resident accounts; signing a resident in on the in-process client."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from itsdangerous import URLSafeTimedSerializer

from lianxin.clock import utcnow
from lianxin.residents.models import ResidentAccount
from lianxin.services import catalogue
from lianxin.services.models import ServiceBundle, ServiceItem, ServiceLocation

FIELDS = [
    {"name": "name", "zh": "申请人姓名", "en": "Name"},
    {"name": "address", "zh": "住址", "en": "Address"},
]


@dataclass
class Catalogue:
    centre: ServiceLocation
    subsidy: ServiceItem  # 高龄津贴, online + window, 5 working days
    transfer: ServiceItem  # 不动产转移登记, window only
    water: ServiceItem  # 用水过户
    bundle: ServiceBundle


@pytest.fixture
def cat(db, city) -> Catalogue:
    centre = catalogue.create_location(
        db,
        jurisdiction_id=city.jid,
        code="ZX",
        name="市民服务中心",
        address="人民路 1 号",
        special_days={"2026-04-05": [["09:00", "12:00"]]},
        slot_minutes=60,
        slot_capacity=2,
    )
    subsidy = catalogue.save_item(
        db,
        jurisdiction_id=city.jid,
        code="MZ-001",
        name="高龄津贴申领",
        department=city.units["street"],
        kind="benefit",
        channels=["online", "window", "home_visit"],
        legal_limit_days=20,
        promised_limit_days=5,
        documents=["身份证", "户口簿"],
        form_fields=FIELDS,
        eligibility="年满80周岁的本市户籍老年人",
        location=centre,
    )
    transfer = catalogue.save_item(
        db,
        jurisdiction_id=city.jid,
        code="ZJ-101",
        name="二手房不动产转移登记",
        department=city.units["housing"],
        kind="licence",
        channels=["window", "online"],
        legal_limit_days=30,
        promised_limit_days=3,
        documents=["身份证", "不动产权证书", "买卖合同"],
        form_fields=FIELDS,
    )
    water = catalogue.save_item(
        db,
        jurisdiction_id=city.jid,
        code="SW-201",
        name="用水户名过户",
        department=city.units["water"],
        kind="public_service",
        channels=["online", "window"],
        legal_limit_days=10,
        promised_limit_days=1,
        documents=["不动产权证书"],
        form_fields=[FIELDS[0]],
    )
    bundle = catalogue.save_bundle(
        db,
        jurisdiction_id=city.jid,
        code="YJS-ESF",
        name="二手房过户+水电气联办",
        lead_department=city.units["housing"],
        parts=[(transfer, ["name", "address"]), (water, ["name"])],
        form_fields=FIELDS,
        documents=["身份证", "不动产权证书", "买卖合同"],
    )
    return Catalogue(centre, subsidy, transfer, water, bundle)


@pytest.fixture
def resident(db, city):
    def make(phone: str = "13912345678", name: str | None = "李明") -> ResidentAccount:
        account = ResidentAccount(
            jurisdiction_id=city.jid, phone=phone, real_name=name, verified_at=utcnow(), last_login_at=utcnow()
        )
        db.add(account)
        db.flush()
        return account

    return make


def sign_in_resident(client, account: ResidentAccount) -> None:
    secret = client.app.state.settings.secret_key
    client.cookies.set("lianxin_resident", URLSafeTimedSerializer(secret, salt="lianxin-resident").dumps(account.id))


def build_catalogue(session, town):
    """A committed centre and item for the concurrency test (its own city, outside the rolled-back session)."""
    centre = catalogue.create_location(session, jurisdiction_id=town.jid, code="RACE", name="抢号大厅", slot_capacity=2)
    item = catalogue.save_item(
        session,
        jurisdiction_id=town.jid,
        code="RACE-1",
        name="抢号事项",
        department=town.units["street"],
        legal_limit_days=5,
        promised_limit_days=5,
    )
    return centre, item
