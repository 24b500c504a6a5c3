"""``scripts/run.sh``: one command starts the server and the jobs loop, and the two stop together."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.helpers import migrated

ROOT = Path(__file__).resolve().parent.parent
START_WITHIN = 240  # seconds: migrations, a small demo city and the server's start on a busy CI machine


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie (exited, not yet reaped by its parent) counts as gone
    stat = Path(f"/proc/{pid}/stat")
    return stat.exists() and stat.read_text().split(") ", 1)[1][0] != "Z"


def _start(settings, tmp_path: Path, port: int) -> tuple[subprocess.Popen, Path]:
    log = tmp_path / f"run-{port}.log"
    env = os.environ | {
        "LIANXIN_DATABASE_URL": settings.database_url,
        "LIANXIN_NOTIFY_SENDER": "file",
        "LIANXIN_NOTIFY_FILE": str(tmp_path / "outbox.jsonl"),
        "LIANXIN_PROGRESS": "0",
        "PYTHONPATH": str(ROOT),
        "SETUP": "0",
        "VENV": str(Path(sys.executable).parent.parent),
        "PORT": str(port),
        "DEMO_APPEALS": "20",
        "JOBS_EVERY": "2",
        # what is tested is the script (start, serve, run the jobs, stop together): one module keeps its demo and
        # jobs short; every module's demo and jobs are run in tests/appeals/test_one_door.py
        "LIANXIN_MODULES": "stats",
    }
    with log.open("w") as out:
        process = subprocess.Popen(
            ["bash", str(ROOT / "scripts/run.sh")],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    return process, log


def _wait_ready(process: subprocess.Popen, log: Path, port: int) -> tuple[int, int]:
    """Wait until the page answers and the jobs loop has run twice; returns (server pid, jobs pid)."""
    deadline = time.monotonic() + START_WITHIN
    while time.monotonic() < deadline:
        assert process.poll() is None, log.read_text()
        text = log.read_text()
        found = re.search(r"server pid (\d+) .* jobs pid (\d+)", text)
        if found and len(re.findall(r"^flag_overdue=", text, re.M)) >= 2:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as answer:
                    if answer.status == 200:
                        return int(found[1]), int(found[2])
            except OSError:
                pass
        time.sleep(1)
    pytest.fail(f"scripts/run.sh did not start within {START_WITHIN} s:\n{log.read_text()}")


def _gone(pids: list[int], within: float = 30) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if not any(_alive(pid) for pid in pids):
            return True
        time.sleep(0.2)
    return False


def test_run_starts_server_and_jobs_and_they_stop_together(scratch_settings, tmp_path):
    migrated(scratch_settings)  # the script's `lianxin init` then finds the schema current
    port = _free_port()
    process, log = _start(scratch_settings, tmp_path, port)
    try:
        server, jobs = _wait_ready(process, log, port)
        # the jobs loop dies: the server is stopped too and the script ends with the jobs' status
        os.kill(jobs, signal.SIGKILL)
        assert process.wait(timeout=60) != 0
        assert _gone([server, jobs]), log.read_text()
        text = log.read_text()
        assert "Shutting down" in text  # uvicorn stopped cleanly

        # second run (the demo exists and is kept): SIGTERM to the script stops both
        port = _free_port()
        process, log = _start(scratch_settings, tmp_path, port)
        server, jobs = _wait_ready(process, log, port)
        assert "演示数据已存在" in log.read_text()
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=60) == 143
        assert _gone([server, jobs]), log.read_text()
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def test_the_package_metadata_gives_setuptools_nothing_to_deprecate():
    """setuptools ≥ 77 warns on a ``license`` table and on License classifiers (checked by hand:
    ``pip install -v --no-deps -e .`` in a fresh venv prints no SetuptoolsDeprecationWarning)."""
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert isinstance(project["project"]["license"], str)  # an SPDX expression
    assert not [c for c in project["project"].get("classifiers", []) if c.startswith("License ::")]
    assert any(req.startswith("setuptools>=77") for req in project["build-system"]["requires"])
