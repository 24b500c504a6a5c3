"""Rate limits under real concurrency: two uvicorn server processes on one database, requests fired at
both at once. The count is exact (an atomic upsert per request), whichever process answers."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from tests.helpers import migrated

LIMIT, REQUESTS = 10, 30


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def two_servers(scratch_settings, tmp_path):
    migrated(scratch_settings)
    env = os.environ | {
        "LIANXIN_DATABASE_URL": scratch_settings.database_url,
        "LIANXIN_SECRET_KEY": "shared-secret",
        "LIANXIN_UPLOAD_DIR": str(tmp_path / "uploads"),
        "LIANXIN_NOTIFY_SENDER": "console",
        "LIANXIN_RATE_TRACK_PER_ADDRESS": f"{LIMIT}/1h",
    }
    servers, urls = [], []
    try:
        for _ in range(2):
            port = free_port()
            servers.append(
                subprocess.Popen(
                    [
                        sys.executable,
                        "-m",
                        "uvicorn",
                        "lianxin.app:create_app",
                        "--factory",
                        "--host",
                        "127.0.0.1",
                        "--port",
                        str(port),
                        "--log-level",
                        "warning",
                    ],
                    env=env,
                    cwd=tmp_path,
                )
            )
            urls.append(f"http://127.0.0.1:{port}")
        deadline = time.monotonic() + 120  # imports take seconds, more on a busy machine
        for url in urls:
            while True:
                try:
                    if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                assert time.monotonic() < deadline, "the servers did not start"
                time.sleep(0.2)
        yield urls
    finally:
        for server in servers:
            server.terminate()
        for server in servers:
            server.wait(timeout=10)


def test_concurrent_lookups_across_two_processes_are_counted_exactly(two_servers):
    with httpx.Client(base_url=two_servers[0]) as first:
        page = first.get("/track")
        token = page.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
        cookies = dict(first.cookies)

    def look_up(n: int) -> int:
        with httpx.Client(base_url=two_servers[n % 2], cookies=cookies, timeout=30) as client:
            return client.post(
                "/track", data={"order_no": f"20260302{n:06d}", "phone": "13800138000", "csrf_token": token}
            ).status_code

    with ThreadPoolExecutor(max_workers=10) as pool:
        statuses = list(pool.map(look_up, range(REQUESTS)))
    assert statuses.count(404) == LIMIT and statuses.count(429) == REQUESTS - LIMIT, statuses
