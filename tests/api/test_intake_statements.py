"""What one intake through the JSON API asks of the database: one statement per row it writes and per
row it must check, nothing loaded twice, nothing loaded lazily (issue 14: the 20 ms an intake cost over
HTTP were mostly round trips). The request runs as in production: a session of its own, whose identity
map holds nothing the test loaded."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from lianxin.api.models import ApiKey
from lianxin.app import create_app
from lianxin.appeals.models import Appeal
from lianxin.defaults import category_by_path
from lianxin.web.deps import get_session

# (verb, table) of every statement of one intake, in order
EXPECTED = [
    ("SELECT", "api_keys"),  # the key with its user and the user's grants, joined: one statement
    ("SELECT", "config_stamps"),  # the configuration's version: the process's copy of categories and units holds
    ("INSERT", "order_sequences"),  # the day's next number
    ("INSERT", "appellants"),  # the caller, or nothing when the phone is known
    ("INSERT", "appeals"),  # marked for the keyword index, which a job writes (lianxin.dispatch.repeats)
    ("INSERT", "appeal_events"),  # submitted
    ("INSERT", "notifications"),  # the appellant's SMS, in the outbox
    ("INSERT", "personal_data_views"),  # the response shows the operator the caller's name and phone
]


def _verb_and_table(statement: str) -> tuple[str, str]:
    words = statement.split()
    verb = words[0].upper()
    table = words[words.index("FROM") + 1] if verb == "SELECT" else words[2]
    return verb, table


def test_an_api_intake_takes_one_statement_per_row_and_loads_nothing_twice(db, settings, city, make_key):
    headers = make_key("operator")
    category = category_by_path(db, city.jid, "城乡建设/市政设施/路灯故障")
    body = {
        "appeal_type": "help",
        "content": "和平里小区3号楼门口的路灯已经坏了一周，晚上很黑。",
        "appellant_name": "张三",
        "appellant_phone": "13900002222",
        "category_id": category.id,
        "community_id": city.units["community"].id,
    }
    db.flush()
    app = create_app(settings.model_copy(update={"public_jurisdiction": city.jurisdiction.code}))
    # each request's own session, inside the test's transaction without a savepoint of its own
    sessions: list[Session] = []

    def request_session() -> Session:
        sessions.append(
            Session(bind=db.connection(), join_transaction_mode="rollback_only", info={"settings": settings})
        )
        return sessions[-1]

    app.dependency_overrides[get_session] = request_session
    seen: list[str] = []

    def record(_conn, _cursor, statement, *_):
        seen.append(" ".join(statement.split()))

    with TestClient(app) as client:
        # the process's first intake copies the categories and units (appeals.refs); the next ones read them
        first = client.post("/api/v1/appeals", json=body | {"appellant_phone": "13900002223"}, headers=headers)
        assert first.status_code == 201, first.text
        event.listen(db.get_bind(), "before_cursor_execute", record)
        try:
            response = client.post("/api/v1/appeals", json=body, headers=headers)
        finally:
            event.remove(db.get_bind(), "before_cursor_execute", record)
    assert response.status_code == 201, response.text
    out = response.json()
    assert out["category"]["id"] == category.id and out["community"]["name"] == city.units["community"].name
    assert out["co_units"] == [] and out["appellant_phone"] == "13900002222"
    assert [_verb_and_table(s) for s in seen] == EXPECTED, "\n".join(seen)
    appeal = db.scalar(select(Appeal).where(Appeal.order_no == out["order_no"]))
    assert appeal.category_id == category.id and appeal.community_id == city.units["community"].id
    for session in sessions:
        session.close()


def test_a_revoked_key_or_a_lost_grant_counts_at_the_next_request(client, db, city, make_key):
    """The key, its user and grants are read fresh by every request (one joined statement, no cache)."""
    headers = make_key("operator")
    body = {
        "appeal_type": "help",
        "content": "和平里小区3号楼门口的路灯已经坏了一周。",
        "appellant_phone": "13900003333",
    }
    assert client.post("/api/v1/appeals", json=body, headers=headers).status_code == 201
    key = db.scalar(select(ApiKey).order_by(ApiKey.id.desc()))
    key.user.grants.clear()
    db.flush()
    db.expire_all()
    assert client.post("/api/v1/appeals", json=body, headers=headers).status_code == 403
    key = db.scalar(select(ApiKey).order_by(ApiKey.id.desc()))
    key.user.active = False
    db.flush()
    db.expire_all()
    assert client.post("/api/v1/appeals", json=body, headers=headers).status_code == 401
