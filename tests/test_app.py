"""The application factory: the health check and what serving does once per process (the pages are tested under
tests/web/)."""

from __future__ import annotations

import gc
import weakref

from lianxin import app as app_module


def test_health_check_answers_ok(client):  # noqa: F811
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


def test_serving_puts_the_start_up_heap_out_of_the_collectors_reach(client):
    # The client has started the app (its lifespan): what existed then is frozen, and a full collection walks
    # only what was built since, not the hundreds of thousands of objects of the imported packages and the app.
    assert app_module._settled and gc.get_freeze_count() > 100_000
    assert gc.get_threshold()[0] == app_module.YOUNG  # a request's objects mostly die before a young collection
    cycle = Cycle()  # what a request builds later is still collected, cycles included
    cycle.me, gone = cycle, weakref.ref(cycle)
    del cycle
    gc.collect()
    assert gone() is None
    before = gc.get_freeze_count()
    app_module.settle_heap()  # once per process: a second app (the tests make many) freezes nothing more
    assert gc.get_freeze_count() == before


class Cycle:
    me: Cycle
