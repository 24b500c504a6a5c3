"""A small switch simulator: ringing → answered → ended for one caller, each event its own transaction (so a
running app's desk sees the call ring), either directly through the service or posted to a running app's
``/api/v1/calls/events`` with the CTI token. Used by ``lianxin calls simulate``, the demo and the tests."""

from __future__ import annotations

import json
import random
import time
import urllib.request
import uuid
from collections.abc import Callable
from contextlib import AbstractContextManager

from sqlalchemy.orm import Session

from lianxin.calls.service import record_switch_event

STEPS = ("ringing", "answered", "ended")


def random_caller(rng: random.Random | None = None) -> str:
    rng = rng or random.Random()
    return f"1{rng.choice('3589')}{rng.randrange(10**9):09d}"


def events_for(
    *, caller: str, seat: str | None, dialled: str | None, call_id: str | None = None, until: str = "ended"
) -> list[dict]:
    """The events of one simulated call, up to ``until`` (ringing, answered or ended)."""
    call_id = call_id or f"sim-{uuid.uuid4().hex[:12]}"
    steps = STEPS[: STEPS.index(until) + 1]
    payloads = []
    for step in steps:
        payload = {"call_id": call_id, "event": step, "caller": caller, "seat": seat, "dialled": dialled}
        if step == "ended":
            payload["recording_ref"] = f"rec/{call_id}.wav"
        payloads.append({k: v for k, v in payload.items() if v is not None})
    return payloads


def run_direct(
    sessions: Callable[[], AbstractContextManager[Session]],
    jurisdiction_id: int,
    payloads: list[dict],
    pause: float = 0,
) -> list[str]:
    """Apply each event in its own transaction; returns the call's statuses after each."""
    statuses = []
    for index, payload in enumerate(payloads):
        if index and pause:
            time.sleep(pause)
        with sessions() as session:
            call, _ = record_switch_event(session, jurisdiction_id, **payload)
            statuses.append(call.status.value)
    return statuses


def run_http(url: str, token: str, payloads: list[dict], pause: float = 0) -> list[str]:
    """Post each event to a running app; returns the statuses it answered."""
    statuses = []
    for index, payload in enumerate(payloads):
        if index and pause:
            time.sleep(pause)
        request = urllib.request.Request(
            url.rstrip("/") + "/api/v1/calls/events",
            data=json.dumps(payload).encode(),
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 (the operator's own app)
            statuses.append(json.loads(response.read())["status"])
    return statuses
