"""The server never freezes under simultaneous writes: resident submissions, API intakes and staff actions
on one appeal fired at the same instant at a real uvicorn process (its own database), on SQLite and on
PostgreSQL. Every request must complete, nothing may answer 500, every acknowledged intake must be stored,
and ``/healthz`` must keep answering during and after each burst.

Before the handlers ran off the event loop, two ``POST /appeal`` arriving together could hang the whole
server for good on PostgreSQL (one session idle in transaction, the other blocking the loop on its lock)
and stall SQLite for 10 s before a 500."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import suppress
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from lianxin.api.keys import create_api_key
from lianxin.appeals.models import Appeal
from lianxin.appeals.schemas import AppealCreate
from lianxin.appeals.service import dispatch_appeal, submit_appeal
from lianxin.db import make_engine, make_sessionmaker, session_scope
from lianxin.orgs.models import Role
from tests.factories import PASSWORD, build_city
from tests.helpers import CSRF_RE, free_port, migrated, scratch_database

ROOT = Path(__file__).resolve().parents[2]
FORM_KEY_RE = re.compile(r'name="form_key" value="([^"]+)"')
RESIDENTS, API_CLIENTS, ROUNDS = 8, 4, 3
TIMEOUT = 30.0  # a request still open after this counts as a freeze


@pytest.fixture(scope="module")
def server(settings, tmp_path_factory):
    """A real server process on a database of its own, with the test city, an API key and dispatched appeals."""
    with scratch_database(settings, tmp_path_factory, "conc") as own:
        migrated(own)
        factory = make_sessionmaker(make_engine(own), own)
        with session_scope(factory) as session:
            city = build_city(session, code="conc")
            _key, secret = create_api_key(
                session,
                jurisdiction_id=city.jurisdiction.id,
                name="并发测试",
                channel="mobile",
                grants=[(Role.OPERATOR, city.units["centre"])],
            )
            targets = []
            for i in range(ROUNDS):
                appeal = submit_appeal(
                    session,
                    AppealCreate(
                        jurisdiction_id=city.jurisdiction.id,
                        channel="hotline",
                        appeal_type="complaint",
                        content=f"和平里小区{i + 1}号楼下水道堵塞，污水外溢。",
                        appellant_phone="13800000000",
                    ),
                    actor=None,
                )
                dispatch_appeal(session, appeal, city.units["street"], actor=city.users["dispatcher"])
                targets.append(appeal.order_no)
        port = free_port()
        env = os.environ | {
            "LIANXIN_DATABASE_URL": own.database_url,
            "LIANXIN_UPLOAD_DIR": str(own.upload_dir),
            "LIANXIN_NOTIFY_SENDER": "console",
            "LIANXIN_PUBLIC_JURISDICTION": city.jurisdiction.code,
            # a load test, not an abuse test: every resident here shares 127.0.0.1
            "LIANXIN_RATE_INTAKE_PER_ADDRESS": "1000/1h",
        }
        proc = subprocess.Popen(
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
            cwd=ROOT,
            env=env,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 90  # a loaded 2-core machine imports slowly
            while time.monotonic() < deadline and proc.poll() is None:
                with suppress(httpx.HTTPError):
                    if httpx.get(url + "/healthz", timeout=1).status_code == 200:
                        break
                time.sleep(0.1)
            else:
                pytest.fail(f"the server did not start (exit code {proc.poll()})")
            yield {"url": url, "city": city, "secret": secret, "targets": targets, "factory": factory}
        finally:
            proc.terminate()
            with suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=10)
            if proc.poll() is None:
                proc.kill()
            factory.kw["bind"].dispose()


def _resident(url: str) -> tuple[httpx.Client, dict]:
    client = httpx.Client(base_url=url, timeout=TIMEOUT)
    page = client.get("/appeal").text
    return client, {"csrf_token": CSRF_RE.search(page).group(1), "form_key": FORM_KEY_RE.search(page).group(1)}


def _staff(url: str, username: str) -> httpx.Client:
    client = httpx.Client(base_url=url, timeout=TIMEOUT)
    token = CSRF_RE.search(client.get("/login").text).group(1)
    response = client.post("/login", data={"username": username, "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 303, response.text
    return client


def _csrf(client: httpx.Client, path: str) -> str:
    return CSRF_RE.search(client.get(path).text).group(1)


def test_simultaneous_submissions_and_actions_all_complete_and_the_server_keeps_answering(server):
    url, city, targets = server["url"], server["city"], server["targets"]
    with server["factory"]() as session:
        before = session.scalar(select(func.count(Appeal.id)))
    results: list[tuple[str, int | str, float]] = []
    lock = threading.Lock()
    stored_expected = 0

    for round_no, order_no in enumerate(targets):
        jobs = []  # (kind, callable) prepared before the burst so that the burst is only the writes
        for i in range(RESIDENTS):
            client, hidden = _resident(url)
            form = hidden | {
                "appeal_type": "complaint",
                "address": "和平里小区东门",
                "appellant_name": "王五",
                "appellant_phone": f"1370000{round_no}{i:03d}",
                "content": f"第{round_no}轮第{i}位居民：小区门口的垃圾已经三天没人清运了，气味很大。",
            }
            jobs.append(("resident", lambda c=client, f=form: c.post("/appeal", data=f)))
        for i in range(API_CLIENTS):
            body = {
                "appeal_type": "help",
                "content": f"第{round_no}轮接口{i}：路灯坏了一周，晚上很黑。",
                "appellant_phone": f"1390000{round_no}{i:03d}",
            }
            api = httpx.Client(base_url=url, timeout=TIMEOUT, headers={"Authorization": f"Bearer {server['secret']}"})
            jobs.append(("api", lambda c=api, b=body: c.post("/api/v1/appeals", json=b)))
        for _ in range(2):  # the handler signs from two tabs at once: one wins, the other is told it is signed already
            handler = _staff(url, city.users["street_handler"].username)
            data = {"csrf_token": _csrf(handler, f"/staff/appeals/{order_no}")}
            jobs.append(
                (
                    f"sign:{order_no}",
                    lambda c=handler, d=data, o=order_no: c.post(f"/staff/appeals/{o}/act/sign", data=d),
                )
            )
        dispatcher = _staff(url, city.users["dispatcher"].username)
        data = {"csrf_token": _csrf(dispatcher, f"/staff/appeals/{order_no}"), "note": "并发测试备注"}
        jobs.append(("note", lambda c=dispatcher, d=data, o=order_no: c.post(f"/staff/appeals/{o}/act/note", data=d)))

        barrier = threading.Barrier(len(jobs) + 1)

        def fire(kind, call):
            barrier.wait(timeout=TIMEOUT)  # noqa: B023  (fired and joined within this iteration)
            started = time.monotonic()
            try:
                status: int | str = call().status_code
            except httpx.HTTPError as exc:  # a timeout here is the freeze this test is about
                status = type(exc).__name__
            with lock:
                results.append((kind, status, time.monotonic() - started))

        with ThreadPoolExecutor(len(jobs) + 1) as pool:
            futures = [pool.submit(fire, kind, call) for kind, call in jobs]
            barrier.wait(timeout=TIMEOUT)
            time.sleep(0.05)
            health = httpx.get(url + "/healthz", timeout=5)  # answered while the burst is in flight
            assert health.status_code == 200
            for future in futures:
                future.result(timeout=TIMEOUT * 2)
        stored_expected += RESIDENTS + API_CLIENTS

    by_kind: dict[str, list] = {}
    for kind, status, _ in results:
        by_kind.setdefault(kind, []).append(status)
    latencies = sorted(seconds for *_, seconds in results)
    print(
        f"\n{len(results)} requests, {sum(isinstance(s, int) for _, s, _ in results)} completed, "
        f"max {latencies[-1] * 1000:.0f} ms, median {latencies[len(latencies) // 2] * 1000:.0f} ms"
    )
    assert all(isinstance(s, int) for _, s, _ in results), by_kind  # no request hung
    assert set(by_kind["resident"]) == {303}, by_kind["resident"]
    assert set(by_kind["api"]) == {201}, by_kind["api"]
    assert set(by_kind["note"]) <= {303, 409}, by_kind["note"]  # 409: the sign changed the appeal first
    assert httpx.get(url + "/healthz", timeout=5).status_code == 200
    with server["factory"]() as session:
        assert session.scalar(select(func.count(Appeal.id))) == before + stored_expected
        status = dict(session.execute(select(Appeal.order_no, Appeal.status).where(Appeal.order_no.in_(targets))).all())
    for order_no in targets:  # never signed twice; signed exactly when one of the two was told so
        signs = by_kind[f"sign:{order_no}"]
        assert set(signs) <= {303, 409} and signs.count(303) <= 1, signs
        assert (status[order_no] == "in_progress") == (303 in signs), (status[order_no], signs)
