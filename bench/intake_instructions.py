"""Instructions one intake costs the real server, counted by callgrind: repeatable whatever the machine does.

    python bench/intake_instructions.py [--n 100] [--door json|open311] [--pg-url postgresql://postgres@127.0.0.1/lianxin_bench]

The HTTP benchmark's rates and CPU times move by a third from one run to the next on a shared virtual machine
(the limit's own rate did: 280–540 requests/s in one session), which hides a change of 10 %. This starts the
real server (``uvicorn lianxin.app:create_app``, one worker, on ``bench/http_intake.py``'s throwaway
PostgreSQL database, city and keys) under ``valgrind --tool=callgrind`` with counting off, warms it up with 30
intakes, counts the user-space instructions of every thread of the server over ``--n`` more intakes from one
client, and prints the count per intake. Two revisions compare exactly, one after the other (the same count
twice: 17.33 and 17.30 M, 15.93 and 15.96 M). What it does not count: the kernel's work (sockets, futexes) and
PostgreSQL's. Needs Debian's valgrind (``apt-get install valgrind``); a run takes about a minute.
"""

from __future__ import annotations

import argparse
import glob
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))
import api_intake  # noqa: E402
import http_intake  # noqa: E402
import lifecycle  # noqa: E402


def count(server: subprocess.Popen, what: str) -> None:
    subprocess.run(["callgrind_control", what, str(server.pid)], check=True, capture_output=True, timeout=60)


def instructions(out: str) -> int:
    total = 0
    for path in glob.glob(out + "*"):
        for line in Path(path).read_text().splitlines():
            if line.startswith(("summary:", "totals:")):
                total = max(total, int(line.split()[1]))
    return total


def measure(url: str, n: int, door: str) -> float:
    ids = http_intake.setup(url)
    with tempfile.TemporaryDirectory(prefix="lianxin-instructions-") as tmp:
        env = os.environ | http_intake.server_env(url, ids, tmp)
        port, out = api_intake.free_port(), f"{tmp}/callgrind.out"
        server = subprocess.Popen(
            ["valgrind", "--tool=callgrind", "--instr-atstart=no", f"--callgrind-out-file={out}", sys.executable]
            + ["-m", "uvicorn", "lianxin.app:create_app", "--factory", "--port", str(port)]
            + ["--log-level", "warning", "--no-access-log"],
            env=env,
            cwd=lifecycle.ROOT,
            stderr=subprocess.DEVNULL,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 600  # the server starts ~20 times slower under valgrind
            while True:
                try:
                    if httpx.get(f"{base}/healthz", timeout=10).status_code == 200:
                        break
                except httpx.TransportError:
                    if time.monotonic() > deadline or server.poll() is not None:
                        raise SystemExit("the server did not start under valgrind") from None
                    time.sleep(0.5)
            if door == "open311":
                requests = api_intake.open311_requests(ids["intake_key"], ids["jurisdiction"], ids["code"], 0, 30 + n)
            else:
                requests = api_intake.json_requests(
                    ids["operator_key"], ids["community_id"], ids["category_id"], 0, 30 + n
                )
            http_intake.drive(base, requests[:30], 1, False)
            count(server, "--instr=on")
            _, _, failures = http_intake.drive(base, requests[30:], 1, False)
            count(server, "--instr=off")
            count(server, "-d")  # write the counts out
        finally:
            server.terminate()
            server.wait(120)
        if failures:
            raise SystemExit(f"{failures} of {n} intakes failed")
        return instructions(out) / n


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=100)
    parser.add_argument("--door", choices=("json", "open311"), default="json")
    parser.add_argument(
        "--pg-url", default=os.environ.get("LIANXIN_BENCH_PG_URL", "postgresql://postgres@127.0.0.1/lianxin_bench")
    )
    args = parser.parse_args(argv)
    if not (shutil.which("valgrind") and shutil.which("callgrind_control")):
        raise SystemExit("需要 valgrind / valgrind is needed: apt-get install valgrind")
    lifecycle.out(f"intake_instructions: {lifecycle.git_revision()}, {lifecycle.loadavg()}")
    with lifecycle.postgresql_database(args.pg_url) as (url, line):
        lifecycle.out(f"== {line} ==")
        per = measure(url, args.n, args.door)
    door = "JSON API" if args.door == "json" else "Open311"
    lifecycle.out(f"  {door}: {per / 1e6:.2f} M instructions per intake in the server ({args.n} intakes, one client)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
