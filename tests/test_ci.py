"""CI's script (``.ci/run``): the API fuzzing and the PostgreSQL suite run in the background beside the SQLite
suite, their statuses checked at the end, so the output closes with the test runner's own summary line; a suite
that collects no tests fails CI (pytest exits 5 and the script stops)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[1] / ".ci" / "run"


def commands() -> list[str]:
    lines = [line.strip() for line in SCRIPT.read_text(encoding="utf-8").splitlines()]
    return [line for line in lines if line and not line.startswith(("#", "echo"))]


def test_the_fuzzing_and_postgresql_run_beside_the_sqlite_suite_which_ends_the_run():
    run = commands()
    fuzz = next(i for i, line in enumerate(run) if "api_fuzz" in line)
    suites = [i for i, line in enumerate(run) if "scripts/test.sh" in line]
    assert len(suites) == 2, "one suite on SQLite, one on PostgreSQL"
    postgresql, sqlite = suites
    assert fuzz < postgresql < sqlite
    # the fuzzing runs in the background too, and a failure of it fails CI
    assert run[fuzz].startswith("(")
    assert any("build/ci-fuzz.status" in line and "fuzz_status=" in line for line in run)
    # PostgreSQL runs in the background, its status checked when CI exits; SQLite runs last in the foreground
    assert "LIANXIN_TEST_DATABASE_URL" in run[postgresql] and run[postgresql].startswith("(")
    assert any("build/ci-postgresql.status" in line and "pg_status=" in line for line in run)
    assert "--cov-fail-under=" in run[sqlite]
    assert sqlite == len(run) - 1, "CI's output must close with the test runner's summary"


def test_a_suite_that_collects_nothing_fails_ci(tmp_path):
    assert "set -euo pipefail" in commands()  # any failing command stops CI with its exit code
    (tmp_path / "test_nothing.py").write_text("# no tests here\n")
    empty = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:randomly", "-p", "no:cacheprovider", str(tmp_path)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert empty.returncode == 5, empty.stdout  # pytest: "no tests ran" — non-zero, so the script stops


def test_tests_skip_only_for_a_missing_browser_or_missing_public_data():
    """Every test passes alone and in any order: a test may skip when Chromium or the public data set is absent,
    never because another test did not run first (two browser tests once skipped unless the journey ran)."""
    # "PostgreSQL only": a race between connections that SQLite cannot have; CI's PostgreSQL run executes it
    allowed = ("Chromium", "teddy2020", "PostgreSQL only")
    tests = Path(__file__).resolve().parent
    skips = []
    for path in sorted(tests.rglob("*.py")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if ("pytest.skip(" in line or "mark.skip" in line) and "allowed" not in line:
                skips.append((path.relative_to(tests).as_posix(), number, line.strip()))
    assert skips, "the checker found none of the known skips"
    assert [s for s in skips if not any(reason in s[2] for reason in allowed)] == []
