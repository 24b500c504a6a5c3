"""The ``lianxin`` command: each command parses options, calls one function, commits, prints.

``build_cli(modules)`` assembles the core's commands (``init``, ``demo``, ``serve``, ``jobs``, ``users``,
``db``, ``apikey``) and each enabled module's (``Module.cli``); a switched-off module has no command.
``lianxin`` runs :func:`main`, which builds it from the settings (``LIANXIN_MODULES``).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Annotated

import typer
from sqlalchemy import select

from lianxin import progress
from lianxin.api.cli import app as apikey_app
from lianxin.cli_common import factory as _factory
from lianxin.cli_common import fail as _fail
from lianxin.cli_common import jurisdiction_by_code, wrap_commands
from lianxin.config import get_settings
from lianxin.db import session_scope
from lianxin.modules import (
    Module,
    ModuleConfigError,
    call_hooks,
    each,
    resolve,
    select_modules,
)

users_app = typer.Typer(help="用户 / staff users", no_args_is_help=True)
db_app = typer.Typer(help="数据库 / database", no_args_is_help=True)


def build_cli(modules: Sequence[Module | str] | None = None) -> typer.Typer:
    """The ``lianxin`` command with the core's commands and those of ``modules`` (default: the enabled ones)."""
    enabled = select_modules(modules, get_settings() if modules is None else None)
    app = typer.Typer(help="连心 Lianxin — 接诉即办平台 / appeals platform", no_args_is_help=True)
    jobs_app = typer.Typer(help="后台任务 / background jobs", no_args_is_help=True)
    app.add_typer(jobs_app, name="jobs")
    app.add_typer(users_app, name="users")
    app.add_typer(db_app, name="db")
    app.add_typer(apikey_app, name="apikey")

    @app.command()
    def init(
        name: Annotated[str, typer.Option(help="辖区名称 / jurisdiction name")] = "示例市",
        code: Annotated[str, typer.Option(help="辖区编码 / jurisdiction code")] = "default",
    ) -> None:
        """Migrate the database to the latest schema and load the defaults (idempotent)."""
        run_init(enabled, name=name, code=code)

    @app.command()
    def demo(
        appeals: Annotated[int, typer.Option(help="工单数量 / number of appeals")] = 1200,
        days: Annotated[int, typer.Option(help="时间跨度（天）/ spread over the last N days")] = 90,
        seed: Annotated[int, typer.Option(help="随机种子 / random seed")] = 2026,
        skip_existing: Annotated[bool, typer.Option(help="已有演示数据时跳过 / do nothing if the demo exists")] = False,
    ) -> None:
        """Build the demo city (units, grids, staff, users for every role, appeals in every status)."""
        run_demo(enabled, appeals=appeals, days=days, seed=seed, skip_existing=skip_existing)

    app.command()(serve)

    @jobs_app.command("run")
    def jobs_run(
        loop: Annotated[bool, typer.Option(help="每隔 --every 秒循环运行")] = False,
        every: Annotated[int, typer.Option(help="循环间隔（秒）")] = 60,
        only: Annotated[list[str] | None, typer.Option(help="只运行这些任务")] = None,
    ) -> None:
        """Run the background jobs once (or forever with --loop): overdue, urges, visits, deferrals, outbox
        and the enabled modules' jobs."""
        run_jobs_command(enabled, loop=loop, every=every, only=only)

    groups: dict[str, list[typer.Typer]] = {}
    for _, (name, target) in each(enabled, "cli"):
        found = resolve(target)
        if isinstance(found, typer.Typer):
            groups.setdefault(name, []).append(found)
        else:
            app.command(name)(found)
    for name, parts in groups.items():
        app.add_typer(parts[0] if len(parts) == 1 else _merged(parts), name=name)
    return wrap_commands(app)  # every command fails the same way: bilingual message, exit code 2


def _merged(parts: list[typer.Typer]) -> typer.Typer:
    """One command group from several modules' groups of the same name (``lianxin eval routing|repeats|hotspots``):
    a new group holding their commands, so no module's own group is changed."""
    merged = typer.Typer(help=parts[0].info.help, no_args_is_help=True)
    for part in parts:
        merged.registered_commands += part.registered_commands
        merged.registered_groups += part.registered_groups
    return merged


def main() -> None:
    """The ``lianxin`` console script."""
    try:
        app = build_cli()
    except ModuleConfigError as exc:
        typer.secho(f"LIANXIN_MODULES: {exc}", err=True, fg="red")
        raise SystemExit(2) from None
    app()


def __getattr__(name: str):
    if name == "app":  # ``from lianxin.cli import app``: the command as the settings configure it
        return build_cli()
    raise AttributeError(name)


def run_init(modules: Sequence[Module], *, name: str, code: str) -> None:
    from lianxin.defaults import ensure_defaults
    from lianxin.migrations import upgrade

    settings, factory = _factory()
    upgrade(settings)
    with session_scope(factory) as session:
        jurisdiction = ensure_defaults(session, code=code, name=name)
        call_hooks(modules, "init_defaults", session, jurisdiction)
        typer.echo(f"数据库已就绪 / database ready: {settings.database_url} (辖区 {jurisdiction.name})")


def run_demo(modules: Sequence[Module], *, appeals: int, days: int, seed: int, skip_existing: bool) -> None:
    from lianxin.demo import build_demo, demo_exists
    from lianxin.errors import LianxinError
    from lianxin.migrations import upgrade

    settings, factory = _factory()
    upgrade(settings)
    with session_scope(factory) as session:
        if skip_existing and demo_exists(session):
            typer.echo("演示数据已存在，跳过 / the demo city already exists")
            return
        try:
            with progress.bar("演示城市 / demo city", total=appeals):
                report = build_demo(session, settings, appeals=appeals, days=days, seed=seed, modules=modules)
        except LianxinError as exc:
            _fail(str(exc))
    typer.echo(report)


def serve(
    host: Annotated[str, typer.Option(help="监听地址")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="端口")] = 8000,
    reload: Annotated[bool, typer.Option(help="开发模式自动重载")] = False,
) -> None:
    """Serve the platform with uvicorn."""
    import uvicorn

    uvicorn.run("lianxin.app:create_app", factory=True, host=host, port=port, reload=reload)


def run_jobs_command(modules: Sequence[Module], *, loop: bool, every: int, only: list[str] | None) -> None:
    from lianxin.jobs import jobs_for, run_jobs
    from lianxin.logs import configure
    from lianxin.notify import make_sender

    settings, factory = _factory(immediate=True)
    configure(settings.log_format, settings.log_level)
    known = {job.name for job in jobs_for(modules)} | {"deliver"}
    if only and not set(only) <= known:
        _fail(f"未知任务 / unknown job: {', '.join(sorted(set(only) - known))}; 可选 {', '.join(sorted(known))}")
    sender = make_sender(settings)
    while True:
        done = run_jobs(factory, settings, sender, only=set(only) if only else None, modules=modules)
        typer.echo(" ".join(f"{name}={count}" for name, count in done.items()))
        if not loop:
            break
        time.sleep(every)


@users_app.command("create")
def users_create(
    username: str,
    role: Annotated[
        list[str],
        typer.Option("--role", help="角色，可多次：operator dispatcher handler grid_worker visitor leader admin"),
    ],
    unit: Annotated[str, typer.Option(help="单位编码（角色作用范围）/ unit code")] = "CENTRE",
    name: Annotated[str | None, typer.Option(help="显示名")] = None,
    password: Annotated[str | None, typer.Option(help="密码（不填则提示输入）")] = None,
    jurisdiction: Annotated[str, typer.Option(help="辖区编码")] = "default",
) -> None:
    """Create a staff user holding one or more roles in a unit."""
    from lianxin.errors import LianxinError
    from lianxin.orgs.models import Unit
    from lianxin.orgs.service import create_user

    settings, factory = _factory()
    if password is None:
        password = typer.prompt("密码 / password", hide_input=True, confirmation_prompt=True)
    try:
        with session_scope(factory) as session:
            jur = jurisdiction_by_code(session, jurisdiction)
            scope = session.scalar(select(Unit).where(Unit.jurisdiction_id == jur.id, Unit.code == unit))
            if scope is None:
                _fail(f"单位编码 {unit} 不存在 / unknown unit code")
            user = create_user(
                session,
                jurisdiction_id=jur.id,
                username=username,
                display_name=name or username,
                password=password,
                grants=[(r, scope) for r in role],
            )
            typer.echo(f"已创建用户 / created user {user.username}: {', '.join(role)} @ {scope.name}")
    except LianxinError as exc:
        _fail(str(exc))


@db_app.command("check")
def db_check() -> None:
    """Fail if the models and the migrations disagree."""
    from lianxin.migrations import check

    check(get_settings())
    typer.echo("模型与迁移一致 / models and migrations agree")


@db_app.command("upgrade")
def db_upgrade(revision: str = "head") -> None:
    from lianxin.migrations import upgrade

    upgrade(get_settings(), revision)


@db_app.command("downgrade")
def db_downgrade(revision: str) -> None:
    from lianxin.migrations import downgrade

    downgrade(get_settings(), revision)
