"""Fixtures for the API tests: the app on the test session, and API keys for the test city's roles."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from lianxin.api.keys import create_api_key
from lianxin.app import create_app, get_session


@pytest.fixture
def app(db, settings):
    app = create_app(settings)
    app.dependency_overrides[get_session] = lambda: db
    return app


@pytest.fixture
def client(app):
    with TestClient(app) as client:
        yield client


@pytest.fixture
def make_key(db, city):
    """``make_key("operator", "centre")`` → headers for a new key holding that role in that unit of the city."""

    def make(role: str | None = None, unit: str = "centre", channel: str = "api", header: str = "bearer") -> dict:
        grants = [(role, city.units[unit])] if role else []
        _, secret = create_api_key(db, jurisdiction_id=city.jid, name=f"{role or 'intake'} client", channel=channel,
                                   grants=grants)
        return {"Authorization": f"Bearer {secret}"} if header == "bearer" else {"X-API-Key": secret}

    return make
