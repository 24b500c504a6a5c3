"""The one way a ``lianxin`` command fails on bad input: a red bilingual message on standard error, exit
code 2, nothing written; a bug still raises. ``build_cli`` applies it to every command, modules' included."""

from __future__ import annotations

import typer
from sqlalchemy import func, select
from typer.testing import CliRunner

from lianxin.cli import build_cli
from lianxin.cli_common import fails_cleanly, failure_message, open_session, wrap_commands
from lianxin.errors import InvalidInput, NotFound
from lianxin.modules import Module, enabled_modules
from lianxin.orgs.models import Jurisdiction
from tests.test_cli import cli_env  # noqa: F401  (fixture)

runner = CliRunner()

broken = typer.Typer(no_args_is_help=True)


@broken.command("refuse")
def refuse() -> None:
    """Writes a row, then refuses: the row must not stay."""
    with open_session() as session:
        session.add(Jurisdiction(code="half-done", name="写了一半"))
        session.flush()
        raise NotFound("没有这个东西", "no such thing")


@broken.command("choice")
def choice(value: str) -> None:
    from lianxin.appeals.choices import Urgency

    typer.echo(Urgency.parse(value).zh)


@broken.command("file")
def read(path: str) -> None:
    with open(path, encoding="utf-8") as handle:
        typer.echo(handle.read())


@broken.command("bug")
def bug() -> None:
    raise RuntimeError("a bug is not bad input")


@broken.command("exit")
def exit_3() -> None:
    raise typer.Exit(code=3)


BROKEN = Module("broken", "坏模块", "Broken", cli=(("broken", "tests.test_cli_failures:broken"),))


def invoke(*args: str):
    return runner.invoke(build_cli([*enabled_modules(), BROKEN]), list(args))


def test_a_domain_error_is_a_bilingual_message_and_exit_2_and_nothing_is_written(cli_env):  # noqa: F811
    assert runner.invoke(build_cli(), ["init"]).exit_code == 0
    result = invoke("broken", "refuse")
    assert result.exit_code == 2
    assert "没有这个东西 / no such thing" in result.stderr and result.stdout == ""
    with open_session() as session:
        assert session.scalar(select(func.count()).where(Jurisdiction.code == "half-done")) == 0


def test_bad_input_of_every_kind_fails_the_same_way(tmp_path):
    choice = invoke("broken", "choice", "very")
    assert choice.exit_code == 2 and "无效的取值「very」" in choice.stderr and "invalid value 'very'" in choice.stderr
    assert invoke("broken", "choice", "紧急").stdout.strip() == "紧急"
    missing = invoke("broken", "file", str(tmp_path / "nope.csv"))
    assert missing.exit_code == 2 and "无法读取文件" in missing.stderr and "cannot read the file" in missing.stderr


def test_a_bug_still_raises_and_explicit_exit_codes_are_kept():
    bug = invoke("broken", "bug")
    assert bug.exit_code == 1 and isinstance(bug.exception, RuntimeError)
    assert invoke("broken", "exit").exit_code == 3


def test_every_command_is_wrapped_once():
    app = build_cli([*enabled_modules(), BROKEN])

    def commands(typer_app):
        for info in typer_app.registered_commands:
            yield info.callback
        for group in typer_app.registered_groups:
            yield from commands(group.typer_instance)

    callbacks = list(commands(app))
    assert len(callbacks) > 30 and all(getattr(c, "_fails_cleanly", False) for c in callbacks)
    wrap_commands(app)  # again: no second layer
    assert all(not getattr(c.__wrapped__, "_fails_cleanly", False) for c in commands(app))
    assert fails_cleanly(callbacks[0]) is callbacks[0]


def test_what_counts_as_bad_input():
    assert failure_message(InvalidInput("坏", "bad")) == "坏 / bad"
    assert "数值超出范围" in failure_message(OverflowError("too big"))
    assert failure_message(KeyError("x")) is None
