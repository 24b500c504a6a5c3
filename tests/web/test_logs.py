"""One log line per request (method, path, status, latency, user, request id) and per job run; JSON on demand."""

from __future__ import annotations

import json
import logging

import pytest

from lianxin.jobs import run_jobs
from lianxin.logs import configure
from lianxin.notify import make_sender
from tests.factories import PASSWORD
from tests.helpers import login


@pytest.fixture
def lines(caplog):
    caplog.set_level(logging.INFO, logger="lianxin")
    logging.getLogger("lianxin").propagate = True  # let caplog see what the stderr handler writes
    yield caplog
    configure()


def request_records(caplog):
    return [r for r in caplog.records if r.name == "lianxin.request"]


def test_each_request_is_logged_once_with_status_latency_user_and_request_id(client, city, lines):
    login(client, city.users["dispatcher"].username, PASSWORD)
    lines.clear()
    response = client.get("/staff/dispatch", headers={"X-Request-ID": "trace-42"})
    assert response.headers["x-request-id"] == "trace-42"
    [record] = request_records(lines)
    fields = record.lianxin_fields
    assert fields["method"] == "GET" and fields["path"] == "/staff/dispatch" and fields["status"] == 200
    assert fields["user"] == city.users["dispatcher"].id and fields["request_id"] == "trace-42"
    assert fields["ms"] >= 0


def test_a_bad_request_id_is_replaced_and_anonymous_requests_have_no_user(client, lines):
    response = client.get("/nowhere", headers={"X-Request-ID": "bad id\nwith newline"})
    [record] = request_records(lines)
    assert record.lianxin_fields["status"] == 404 and record.lianxin_fields["user"] is None
    assert response.headers["x-request-id"] == record.lianxin_fields["request_id"] != "bad id\nwith newline"


def test_json_format_writes_one_object_a_line():
    configure("json")
    try:
        [handler] = [h for h in logging.getLogger("lianxin").handlers if getattr(h, "lianxin", False)]
        record = logging.getLogger("lianxin.request").makeRecord(
            "lianxin.request",
            logging.INFO,
            __file__,
            1,
            "GET / 200",
            (),
            None,
            extra={"lianxin_fields": {"status": 200, "ms": 1.5}},
        )
        line = handler.format(record)
    finally:
        configure()
    assert "\n" not in line
    data = json.loads(line)
    assert data["message"] == "GET / 200" and data["status"] == 200 and data["ms"] == 1.5 and data["level"] == "info"


def test_each_job_run_is_logged(engine, settings, lines):
    from lianxin.db import make_sessionmaker

    run_jobs(make_sessionmaker(engine, settings), settings, make_sender(settings), only={"flag_overdue"})
    [record] = [r for r in lines.records if r.name == "lianxin.jobs"]
    assert record.lianxin_fields["job"] == "flag_overdue" and record.lianxin_fields["rows"] >= 0


def test_the_log_follows_the_current_stderr_after_a_runner_closed_its_own(monkeypatch):
    import io
    import sys

    first = io.StringIO()
    monkeypatch.setattr(sys, "stderr", first)
    configure()
    logging.getLogger("lianxin.jobs").info("to the first stream")
    first.close()  # a CLI runner closes the stream it swapped in
    second = io.StringIO()
    monkeypatch.setattr(sys, "stderr", second)
    logging.getLogger("lianxin.jobs").info("to the second stream")
    assert "to the second stream" in second.getvalue() and "Logging error" not in second.getvalue()
