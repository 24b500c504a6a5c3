"""Long commands draw a progress bar on a terminal and print nothing extra when not on one."""

from __future__ import annotations

import io
import os
import pty
import subprocess
import sys
from pathlib import Path

from lianxin import progress
from tests.hotspots.test_cli import messages_csv  # noqa: F401  (fixture)


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def work(steps: int = 3) -> None:
    progress.update(description="分步 / steps", total=steps)
    for _ in progress.track(range(steps)):
        pass
    progress.advance()  # one more than the total: harmless


def test_off_a_terminal_the_bar_writes_nothing():
    stream = io.StringIO()
    with progress.bar("测试 / test", total=3, stream=stream) as bar:
        work()
        bar.update(description="x", total=4)
        bar.advance()
    assert stream.getvalue() == ""
    progress.advance()  # no bar open: nothing happens
    progress.update(description="none")


def test_on_a_terminal_the_bar_is_drawn_and_nested_bars_share_it(monkeypatch):
    monkeypatch.delenv("LIANXIN_PROGRESS", raising=False)
    stream = Terminal()
    with progress.bar("外层 / outer", total=2, stream=stream):
        with progress.bar("内层 / inner", total=1):
            progress.advance()
        work()
    drawn = stream.getvalue()
    assert "外层 / outer" in drawn and "\x1b[" in drawn  # drawn with terminal control codes


def test_lianxin_progress_0_silences_even_a_terminal(monkeypatch):
    monkeypatch.setenv("LIANXIN_PROGRESS", "0")
    stream = Terminal()
    with progress.bar("测试 / test", total=1, stream=stream):
        progress.advance()
    assert stream.getvalue() == "" and not progress.on_terminal(stream)


def run_hotspots(csv_path: Path, stderr_tty: bool) -> tuple[str, str]:
    """``lianxin hotspots`` in a child process, standard error a pseudo-terminal or a pipe."""
    env = {k: v for k, v in os.environ.items() if k != "LIANXIN_PROGRESS"} | {"COLUMNS": "100"}
    command = [sys.executable, "-m", "lianxin", "hotspots", str(csv_path), "--top", "2", "--json"]
    if not stderr_tty:
        done = subprocess.run(command, capture_output=True, env=env, timeout=120, check=True)
        return done.stdout.decode(), done.stderr.decode()
    master, slave = pty.openpty()
    try:
        child = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=slave, env=env)
        os.close(slave)
        chunks = []
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:  # the child closed the terminal
                break
            if not chunk:
                break
            chunks.append(chunk)
        out = child.stdout.read().decode()
        assert child.wait(timeout=120) == 0
    finally:
        os.close(master)
    return out, b"".join(chunks).decode(errors="replace")


def test_the_hotspots_command_draws_only_on_a_terminal(messages_csv):  # noqa: F811
    quiet_out, quiet_err = run_hotspots(messages_csv, stderr_tty=False)
    assert quiet_err == ""
    assert quiet_out.lstrip().startswith("[")  # the JSON and nothing else
    tty_out, tty_err = run_hotspots(messages_csv, stderr_tty=True)
    assert "热点 / hotspots" in tty_err or "描述热点" in tty_err
    assert tty_out == quiet_out  # standard output is the same either way
