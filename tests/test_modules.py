"""The module registry (lianxin.modules): every domain declares itself once; LIANXIN_MODULES switches
modules off and a switched-off module leaves no page, menu item, API path, job or command behind; a
module that lives outside the package (tests/example_module) plugs in through the same declaration."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from lianxin import modules as registry
from lianxin.app import create_app
from lianxin.cli import build_cli
from lianxin.config import get_settings
from lianxin.db import make_engine, make_sessionmaker, session_scope
from lianxin.jobs import CORE_JOBS, jobs_for, run_jobs
from lianxin.modules import (
    MODULES,
    ModuleConfigError,
    Nav,
    all_modules,
    enabled_modules,
    parse_selection,
)
from lianxin.notify import make_sender
from lianxin.orgs.models import Jurisdiction
from lianxin.web.deps import get_session
from tests.example_module import MODULE as EXAMPLE
from tests.example_module.service import DESK_CODE, desk_of, ensure_desk
from tests.factories import PASSWORD
from tests.helpers import login, migrated

runner = CliRunner()
NAMES = [m.name for m in all_modules()]
WITHOUT_HOTSPOTS = "-hotspots,-topics"


@contextmanager
def client_for(settings, db, city, *, enabled: str = "", module_list=None) -> Iterator[TestClient]:
    """An app on the test's session; ``enabled``: LIANXIN_MODULES; ``module_list``: create_app's ``modules``."""
    update = {"public_jurisdiction": city.jurisdiction.code, "modules": enabled}
    app = create_app(settings.model_copy(update=update), modules=module_list)
    app.dependency_overrides[get_session] = lambda: db
    with TestClient(app) as client:
        yield client


def api_paths(client: TestClient) -> set[str]:
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    return set(response.json()["paths"])


# --- the declarations ------------------------------------------------------------------------------


def test_every_package_in_MODULES_declares_one_module_named_after_itself():
    modules = all_modules()
    assert [f"lianxin.{m.name}" for m in modules] == MODULES
    assert len(set(NAMES)) == len(NAMES)
    for module in modules:
        assert module.label_zh and module.label_en
        assert set(module.requires) <= set(NAMES), module.name
        for job in module.jobs:
            assert callable(registry.resolve(job.run)), job.name
        for ref in (
            *module.page_routers,
            *module.api_routers,
            *(t for _, t in module.cli),
            *(f for _, f in module.mounts),
        ):
            assert registry.resolve(ref) is not None


def test_importing_a_package_declaration_stays_cheap():
    """Reading MODULE imports no web framework, CLI library or ORM (references resolve lazily)."""
    code = (
        "import sys; from lianxin.modules import all_modules; all_modules(); "
        "print(','.join(m for m in ('fastapi', 'typer', 'sqlalchemy', 'lianxin.app', 'lianxin.cli') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == ""


def test_the_job_order_is_the_declared_order():
    names = [job.name for job in jobs_for(all_modules())]
    assert names == [
        "index_terms",  # 5: the repeat lookup's keywords first
        "flag_overdue",
        "send_urges",
        "create_visit_tasks",
        "review_deferred",
        "supervise_by_rules",
        "fold_stats",
        "queue_webhooks",
        "deliver_webhooks",
        "wishes_review_filed",
        "wishes_claim_reminders",
        "wishes_quota_reminders",
        "pledges_overdue",
        "volunteer_reminders",  # 83, 84, 85 …: equal orders run in MODULES order
        "services_no_shows",
        "services_ratings",
        "care_evaluate_rules",
        "points_for_wishes",
        "logistics_daily_plan",
        "services_reminders",
        "care_escalate_alarms",
        "points_for_visits",  # 87–89: points before poverty (MODULES order)
        "poverty_clock",
        "points_for_appeals",
        "poverty_candidates",
        "poverty_reviews",
        "refresh_hotspots",
        "prune_rate_limits",
        "ensure_partitions",
    ]
    assert [job.name for job in jobs_for([])] == [job.name for job in CORE_JOBS]


def test_LIANXIN_MODULES_selects_by_name_or_by_exclusion():
    assert parse_selection("", NAMES) == NAMES
    assert parse_selection("all", NAMES) == NAMES
    assert parse_selection("topics, hotspots", NAMES) == ["hotspots", "topics"]  # MODULES order, not the setting's
    assert parse_selection(WITHOUT_HOTSPOTS, NAMES) == [n for n in NAMES if n not in ("hotspots", "topics")]
    with pytest.raises(ModuleConfigError, match="unknown module nosuchmodule"):
        parse_selection("hotspots,nosuchmodule", NAMES)
    with pytest.raises(ModuleConfigError, match="either"):
        parse_selection("hotspots,-topics", NAMES)


def test_a_module_cannot_be_enabled_without_what_it_requires(settings, monkeypatch):
    with pytest.raises(ModuleConfigError) as error:
        enabled_modules(settings.model_copy(update={"modules": "-hotspots"}))
    assert "topics requires hotspots" in str(error.value) and "需要启用 hotspots" in str(error.value)
    with pytest.raises(ModuleConfigError, match="example requires stats"):
        create_app(
            settings, modules=[m for m in all_modules() if m.name != "stats" and "stats" not in m.requires] + [EXAMPLE]
        )
    # the command line says so and exits 2 instead of starting
    monkeypatch.setenv("LIANXIN_MODULES", "-hotspots")
    result = subprocess.run([sys.executable, "-m", "lianxin", "--help"], capture_output=True, text=True)
    assert result.returncode == 2 and "topics requires hotspots" in result.stderr


def test_nav_roles_are_role_codes():
    assert Nav("/x", "甲", "X", {"leader"}).roles == frozenset({"leader"})
    assert Nav("/x", "甲", "X", None).roles is None


# --- switching modules off -------------------------------------------------------------------------


def test_switched_off_hotspots_and_topics_leave_no_page_menu_or_api_path(settings, db, city):
    leader = city.users["leader"].username
    with client_for(settings, db, city) as client:
        login(client, leader, PASSWORD)
        home = client.get("/").text
        assert "热点" in home and "每月一题" in home and "领导驾驶舱" in home
        assert client.get("/hotspots").status_code == 200 and client.get("/topics").status_code == 200
        paths = api_paths(client)
        assert "/v1/hotspots" in paths and "/v1/topics" in paths
    with client_for(settings, db, city, enabled=WITHOUT_HOTSPOTS) as client:
        login(client, leader, PASSWORD)
        home = client.get("/").text
        assert "热点" not in home and "每月一题" not in home
        assert "领导驾驶舱" in home  # the other modules stay
        for path in ("/hotspots", "/topics", "/hotspots/1", "/topics/1"):
            assert client.get(path).status_code == 404, path
        assert client.get("/api/v1/hotspots").status_code == 404
        paths = api_paths(client)
        assert not any(p.startswith(("/v1/hotspots", "/v1/topics")) for p in paths)
        assert "/v1/stats/rates" in paths and "/v1/appeals" in paths


def test_core_pages_drop_their_links_into_a_switched_off_module(settings, db, city):
    with client_for(settings, db, city) as client:
        login(client, city.users["operator"].username, PASSWORD)
        assert "/routing/suggest" in client.get("/staff/intake").text
    with client_for(settings, db, city, enabled="-routing") as client:
        login(client, city.users["operator"].username, PASSWORD)
        page = client.get("/staff/intake")
        assert page.status_code == 200 and "/routing/suggest" not in page.text
        assert client.get("/routing/suggest", params={"content": "路灯不亮"}).status_code == 404


def test_switched_off_open311_is_not_mounted(settings, db, city):
    query = {"jurisdiction_id": city.jurisdiction.code}
    with client_for(settings, db, city) as client:
        assert client.get("/open311/v2/discovery.json").status_code == 200
        assert client.get("/open311/v2/services.json", params=query).status_code == 200
    with client_for(settings, db, city, enabled="-open311") as client:
        assert client.get("/open311/v2/discovery.json").status_code == 404
        assert client.get("/open311/v2/services.json", params=query).status_code == 404


def test_only_the_core_still_serves_appeals(settings, db, city):
    with client_for(settings, db, city, module_list=[]) as client:
        login(client, city.users["leader"].username, PASSWORD)
        assert client.get("/staff").status_code == 200
        assert client.get("/leader/dashboard").status_code == 404
        paths = api_paths(client)
        assert "/v1/appeals" in paths and not any(
            p.startswith(("/v1/stats", "/v1/knowledge", "/v1/webhooks")) for p in paths
        )


@pytest.fixture
def cli_settings(scratch_settings, monkeypatch, tmp_path):
    monkeypatch.setenv("LIANXIN_DATABASE_URL", scratch_settings.database_url)
    monkeypatch.setenv("LIANXIN_NOTIFY_SENDER", "file")
    monkeypatch.setenv("LIANXIN_NOTIFY_FILE", str(tmp_path / "outbox.jsonl"))
    get_settings.cache_clear()
    yield scratch_settings
    get_settings.cache_clear()


def test_switched_off_modules_have_no_command_and_no_job(cli_settings, monkeypatch):
    full = build_cli()
    assert runner.invoke(full, ["init"]).exit_code == 0
    ran = runner.invoke(full, ["jobs", "run"])
    assert ran.exit_code == 0 and "refresh_hotspots=" in ran.output and "fold_stats=" in ran.output
    assert runner.invoke(full, ["hotspots", "--help"]).exit_code == 0

    monkeypatch.setenv("LIANXIN_MODULES", WITHOUT_HOTSPOTS)
    get_settings.cache_clear()
    app = build_cli()
    gone = runner.invoke(app, ["hotspots", "--help"])
    assert gone.exit_code == 2 and "No such command" in gone.output
    ran = runner.invoke(app, ["jobs", "run"])
    assert ran.exit_code == 0, ran.output
    assert "refresh_hotspots" not in ran.output and "flag_overdue=" in ran.output and "fold_stats=" in ran.output
    refused = runner.invoke(app, ["jobs", "run", "--only", "refresh_hotspots"])
    assert refused.exit_code == 2 and "unknown job" in refused.output
    assert "hotspots" not in runner.invoke(app, ["--help"]).output


def test_run_jobs_runs_only_the_enabled_modules_jobs(cli_settings):
    factory = make_sessionmaker(make_engine(cli_settings), cli_settings)
    migrated(cli_settings)
    sender = make_sender(cli_settings)
    done = run_jobs(
        factory,
        cli_settings,
        sender,
        modules=enabled_modules(cli_settings.model_copy(update={"modules": WITHOUT_HOTSPOTS})),
    )
    assert "refresh_hotspots" not in done and {"flag_overdue", "fold_stats", "deliver"} <= set(done)
    assert "refresh_hotspots" in run_jobs(factory, cli_settings, sender)


# --- a module from outside the package: tests/example_module -----------------------------------------


def test_the_example_module_adds_a_page_a_menu_item_and_an_api_path(settings, db, city):
    ensure_desk(db, city.jurisdiction)
    leader, handler = city.users["leader"].username, city.users["street_handler"].username
    with client_for(settings, db, city, module_list=[*enabled_modules(settings), EXAMPLE]) as client:
        login(client, leader, PASSWORD)
        page = client.get("/example")
        assert page.status_code == 200 and "示例服务台" in page.text
        assert 'href="/example"' in page.text  # its nav entry, for a leader
        assert client.get("/api/v1/example/desk").json() == {"code": DESK_CODE, "name": "示例服务台"}
        assert "/v1/example/desk" in api_paths(client)
        login(client, handler, PASSWORD)
        assert 'href="/example"' not in client.get("/staff").text  # not for a handler
        assert client.get("/example").status_code == 403
    with client_for(settings, db, city) as client:  # not enabled: nothing of it is left
        login(client, leader, PASSWORD)
        assert client.get("/example").status_code == 404
        assert 'href="/example"' not in client.get("/staff").text
        assert client.get("/api/v1/example/desk").status_code == 404
        assert "/v1/example/desk" not in api_paths(client)


def test_the_example_module_adds_a_command_a_job_and_default_data(cli_settings):
    with_example = build_cli([*enabled_modules(), EXAMPLE])
    assert runner.invoke(with_example, ["init"]).exit_code == 0  # init_defaults makes the desk
    shown = runner.invoke(with_example, ["example", "desk"])
    assert shown.exit_code == 0 and "示例服务台" in shown.output
    ran = runner.invoke(with_example, ["jobs", "run", "--only", "example_count_units"])
    assert ran.exit_code == 0 and "example_count_units=" in ran.output
    assert int(ran.output.split("example_count_units=")[1].split()[0]) >= 2  # the centre and the desk

    without = build_cli()
    assert runner.invoke(without, ["example", "desk"]).exit_code == 2
    assert "example_count_units" not in runner.invoke(without, ["jobs", "run"]).output


def test_lianxin_init_runs_only_the_enabled_modules_defaults(cli_settings):
    assert runner.invoke(build_cli(), ["init"]).exit_code == 0
    factory = make_sessionmaker(make_engine(cli_settings), cli_settings)
    with session_scope(factory) as session:
        jid = session.scalar(select(Jurisdiction.id).where(Jurisdiction.code == "default"))
        assert desk_of(session, jid) is None
    assert runner.invoke(build_cli([*enabled_modules(), EXAMPLE]), ["init"]).exit_code == 0
    assert runner.invoke(build_cli([*enabled_modules(), EXAMPLE]), ["init"]).exit_code == 0  # idempotent
    with session_scope(factory) as session:
        assert desk_of(session, jid).name == "示例服务台"


def test_lianxin_demo_runs_the_modules_demo_builders(db, settings):
    from lianxin.demo import JURISDICTION_CODE, build_demo

    build_demo(db, settings, appeals=0, modules=[*enabled_modules(settings), EXAMPLE])
    jid = db.scalar(select(Jurisdiction.id).where(Jurisdiction.code == JURISDICTION_CODE))
    assert desk_of(db, jid).name == "演示服务台"  # init_defaults made it, the demo builder renamed it


def test_the_docs_name_every_module():
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    design, readme = (
        (root / "docs" / "DESIGN.md").read_text(encoding="utf-8"),
        (root / "README.md").read_text(encoding="utf-8"),
    )
    recipe = (root / "docs" / "adding-a-module.md").read_text(encoding="utf-8")
    for name in NAMES:
        assert f"{name}/" in design, name
        setting = readme.split("LIANXIN_MODULES", 1)[1].split("\n\n", 1)[0]
        assert name in setting.replace("`", " ").split(), name
    assert "MODULES" in recipe and "tests/example_module" in recipe
