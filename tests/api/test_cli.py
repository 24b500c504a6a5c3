"""``lianxin apikey``: the key is printed alone on the last line and works; list and revoke."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from lianxin.app import create_app
from lianxin.cli import app
from lianxin.config import get_settings
from tests.helpers import migrated

runner = CliRunner()


@pytest.fixture
def cli_env(scratch_settings, monkeypatch):
    monkeypatch.setenv("LIANXIN_DATABASE_URL", scratch_settings.database_url)
    get_settings.cache_clear()
    migrated(scratch_settings)
    assert runner.invoke(app, ["init"]).exit_code == 0
    yield scratch_settings
    get_settings.cache_clear()


def invoke(*args: str):
    return runner.invoke(app, list(args))


def test_create_prints_a_working_key_on_its_last_line_then_revoke_stops_it(cli_env):
    result = invoke("apikey", "create", "--name", "区政务App", "--channel", "mobile", "--role", "operator")
    assert result.exit_code == 0, result.output
    secret = result.output.strip().splitlines()[-1]
    assert secret.startswith("lx_") and " " not in secret
    body = {"appeal_type": "help", "content": "小区门口的路灯坏了好几天了。", "appellant_phone": "13900003333"}
    with TestClient(create_app(cli_env)) as client:
        created = client.post("/api/v1/appeals", json=body, headers={"X-API-Key": secret})
        assert created.status_code == 201 and created.json()["channel"] == "mobile"
        listed = invoke("apikey", "list")
        prefix = secret.split("_")[1]
        row = next(line for line in listed.output.splitlines() if line.startswith(prefix))
        assert "区政务App" in row and "operator@CENTRE" in row and "active" in row and "never" not in row
        assert invoke("apikey", "revoke", prefix).exit_code == 0
        assert client.post("/api/v1/appeals", json=body, headers={"X-API-Key": secret}).status_code == 401
    assert "revoked" in invoke("apikey", "list").output


def test_create_refuses_unknown_units_channels_and_roles(cli_env):
    assert invoke("apikey", "create", "--name", "x", "--role", "operator", "--unit", "NOPE").exit_code == 2
    assert invoke("apikey", "create", "--name", "x", "--channel", "pigeon").exit_code == 2
    assert invoke("apikey", "create", "--name", "x", "--role", "emperor").exit_code == 2
    assert invoke("apikey", "revoke", "000000000000").exit_code == 2
