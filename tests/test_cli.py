"""The ``lianxin`` command on a database of its own (SQLite file or a scratch PostgreSQL database)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from lianxin.cli import app
from lianxin.config import get_settings
from lianxin.db import make_engine, make_sessionmaker
from lianxin.orgs.models import User
from lianxin.sla.models import TimeLimitPolicy
from tests.helpers import migrated

runner = CliRunner()


@pytest.fixture
def cli_env(scratch_settings, monkeypatch, tmp_path):
    monkeypatch.setenv("LIANXIN_DATABASE_URL", scratch_settings.database_url)
    monkeypatch.setenv("LIANXIN_NOTIFY_SENDER", "file")
    monkeypatch.setenv("LIANXIN_NOTIFY_FILE", str(tmp_path / "outbox.jsonl"))
    get_settings.cache_clear()
    yield scratch_settings
    get_settings.cache_clear()


def invoke(*args: str, input: str | None = None):
    return runner.invoke(app, list(args), input=input)


def count(settings, model) -> int:
    with make_sessionmaker(make_engine(settings))() as session:
        return session.scalar(select(func.count()).select_from(model))


def test_init_migrates_and_loads_defaults_once(cli_env):
    first = invoke("init")
    assert first.exit_code == 0, first.output
    assert "数据库已就绪" in first.output
    policies = count(cli_env, TimeLimitPolicy)
    assert policies >= 6
    again = invoke("init")
    assert again.exit_code == 0
    assert count(cli_env, TimeLimitPolicy) == policies
    assert invoke("db", "check").exit_code == 0


def test_users_create_grants_roles_and_rejects_bad_input_without_writing(cli_env):
    migrated(cli_env)  # init then finds the schema current
    assert invoke("init").exit_code == 0
    ok = invoke(
        "users", "create", "wang.li", "--role", "dispatcher", "--role", "visitor", "--password", "long-password-1"
    )
    assert ok.exit_code == 0, ok.output
    assert "dispatcher, visitor" in ok.output
    before = count(cli_env, User)
    bad_role = invoke("users", "create", "li.na", "--role", "boss", "--password", "long-password-1")
    assert bad_role.exit_code == 2
    assert "无效的角色" in bad_role.output
    short = invoke("users", "create", "li.na", "--role", "operator", "--password", "short")
    assert short.exit_code == 2 and "密码至少需要 8 个字符" in short.output
    taken = invoke("users", "create", "wang.li", "--role", "operator", "--password", "long-password-1")
    assert taken.exit_code == 2 and "已存在" in taken.output
    unknown_unit = invoke(
        "users", "create", "zhao", "--role", "handler", "--unit", "NOPE", "--password", "long-password-1"
    )
    assert unknown_unit.exit_code == 2 and "不存在" in unknown_unit.output
    assert count(cli_env, User) == before


def test_users_create_prompts_for_the_password_when_not_given(cli_env):
    migrated(cli_env)  # init then finds the schema current
    assert invoke("init").exit_code == 0
    result = invoke("users", "create", "prompted", "--role", "operator", input="long-password-1\nlong-password-1\n")
    assert result.exit_code == 0, result.output
    with make_sessionmaker(make_engine(cli_env))() as session:
        user = session.scalar(select(User).where(User.username == "prompted"))
        from lianxin.orgs.service import verify_password

        assert verify_password(user, "long-password-1")
        assert not verify_password(user, "wrong-password")


def test_jobs_run_reports_each_job_and_refuses_unknown_names(cli_env):
    migrated(cli_env)  # init then finds the schema current
    assert invoke("init").exit_code == 0
    result = invoke("jobs", "run")
    assert result.exit_code == 0, result.output
    for name in ("flag_overdue=", "send_urges=", "create_visit_tasks=", "review_deferred=", "deliver="):
        assert name in result.output
    bad = invoke("jobs", "run", "--only", "nonsense")
    assert bad.exit_code == 2 and "未知任务" in bad.output
