"""The notification outbox: queueing with dedupe keys, delivery with retries, and the senders."""

from __future__ import annotations

import io
import json

import pytest
from sqlalchemy import func, select

from lianxin.config import Settings
from lianxin.notify import (
    MAX_ATTEMPTS,
    ConsoleSender,
    FileSender,
    Notification,
    deliver_pending,
    make_sender,
    queue_notification,
)


class RecordingSender:
    """Remembers what it was asked to send; fails for the recipients in ``fail_for``."""

    def __init__(self, settings: Settings | None = None, fail_for: set[str] = frozenset()):
        self.settings, self.fail_for, self.sent = settings, set(fail_for), []

    def send(self, notification: Notification) -> None:
        if notification.recipient in self.fail_for:
            raise ConnectionError(f"gateway refused {notification.recipient}")
        self.sent.append(notification.id)


def queue(db, city, recipient="13800138000", **kw) -> int | None:
    values = (
        dict(
            jurisdiction_id=city.jid,
            kind="submitted",
            audience="appellant",
            recipient=recipient,
            message="【12345】您的诉求已受理",
        )
        | kw
    )
    return queue_notification(db, **values)


def row(db, notification_id: int) -> Notification:
    db.expire_all()
    return db.get(Notification, notification_id)


# --- queueing ----------------------------------------------------------------------------------


def test_a_dedupe_key_queues_a_message_once_and_the_second_attempt_returns_none(db, city, clock):
    first = queue(db, city, dedupe_key="urge:1:2026-03-09T10:00:00+00:00:before:24")
    second = queue(db, city, dedupe_key="urge:1:2026-03-09T10:00:00+00:00:before:24", message="另一条")
    assert isinstance(first, int)
    assert second is None
    rows = db.scalars(select(Notification).where(Notification.jurisdiction_id == city.jid)).all()
    assert [(r.id, r.message, r.state, r.attempts) for r in rows] == [(first, "【12345】您的诉求已受理", "pending", 0)]


def test_messages_without_a_dedupe_key_are_all_queued(db, city, clock):
    ids = [queue(db, city), queue(db, city)]
    assert all(isinstance(i, int) for i in ids) and ids[0] != ids[1]
    count = db.scalar(select(func.count()).select_from(Notification).where(Notification.jurisdiction_id == city.jid))
    assert count == 2


def test_different_dedupe_keys_are_different_messages(db, city, clock):
    assert queue(db, city, dedupe_key="k:a") is not None
    assert queue(db, city, dedupe_key="k:b") is not None


def test_recipients_are_stored_as_text(db, city, clock):
    nid = queue(db, city, audience="unit", recipient=city.units["street"].id)
    assert row(db, nid).recipient == str(city.units["street"].id)


# --- delivery ----------------------------------------------------------------------------------


def test_delivering_hands_pending_messages_to_the_sender_in_order_and_marks_them_sent(db, city, clock):
    ids = [queue(db, city, message=f"第{i}条") for i in range(3)]
    sender = RecordingSender()
    sent, failed = deliver_pending(db, sender)
    assert [i for i in sender.sent if i in ids] == ids
    assert sent >= 3 and failed == 0
    for nid in ids:
        n = row(db, nid)
        assert (n.state, n.attempts, n.last_error) == ("sent", 1, None)
        assert n.sent_at is not None
    again = RecordingSender()
    deliver_pending(db, again)
    assert not set(again.sent) & set(ids)


def test_delivery_respects_the_batch_limit(db, city, clock):
    deliver_pending(db, RecordingSender(), limit=100_000)  # first clear anything other tests left committed
    ids = [queue(db, city, message=f"第{i}条") for i in range(3)]
    sender = RecordingSender()
    deliver_pending(db, sender, limit=1)
    assert [row(db, nid).state for nid in ids] == ["sent", "pending", "pending"]
    deliver_pending(db, sender, limit=10)
    assert [row(db, nid).state for nid in ids] == ["sent"] * 3


def test_a_failing_sender_keeps_the_message_pending_with_the_error_and_attempt_count(db, city, clock):
    nid = queue(db, city, recipient="13900000000")
    sender = RecordingSender(fail_for={"13900000000"})
    sent, failed = deliver_pending(db, sender)
    assert failed >= 1
    n = row(db, nid)
    assert (n.state, n.attempts, n.sent_at) == ("pending", 1, None)
    assert n.last_error == "ConnectionError: gateway refused 13900000000"


def test_one_failing_message_does_not_stop_the_others(db, city, clock):
    bad = queue(db, city, recipient="13900000000")
    good = queue(db, city, recipient="13800138000")
    deliver_pending(db, RecordingSender(fail_for={"13900000000"}))
    assert (row(db, bad).state, row(db, good).state) == ("pending", "sent")


def test_a_message_is_marked_failed_after_max_attempts_and_then_left_alone(db, city, clock):
    nid = queue(db, city, recipient="13900000000")
    sender = RecordingSender(fail_for={"13900000000"})
    states = []
    for _ in range(MAX_ATTEMPTS):
        deliver_pending(db, sender)
        n = row(db, nid)
        states.append((n.state, n.attempts))
    assert states == [("pending", i) for i in range(1, MAX_ATTEMPTS)] + [("failed", MAX_ATTEMPTS)]
    deliver_pending(db, RecordingSender())
    n = row(db, nid)
    assert (n.state, n.attempts) == ("failed", MAX_ATTEMPTS)


def test_a_retry_that_succeeds_clears_the_error(db, city, clock):
    nid = queue(db, city, recipient="13900000000")
    deliver_pending(db, RecordingSender(fail_for={"13900000000"}))
    deliver_pending(db, RecordingSender())
    n = row(db, nid)
    assert (n.state, n.attempts, n.last_error) == ("sent", 2, None)


# --- senders -----------------------------------------------------------------------------------


def test_the_file_sender_appends_one_json_line_per_message(db, city, clock, tmp_path):
    path = tmp_path / "var" / "notifications.log"
    sender = FileSender(path)
    ids = [
        queue(db, city, message="【12345】您的诉求已受理"),
        queue(db, city, audience="unit", recipient=7, kind="dispatched", message="工单已派至贵单位"),
    ]
    deliver_pending(db, sender)
    lines = path.read_text(encoding="utf-8").splitlines()
    records = [json.loads(line) for line in lines]
    mine = [r for r in records if r["id"] in ids]
    assert [(r["kind"], r["audience"], r["recipient"], r["message"]) for r in mine] == [
        ("submitted", "appellant", "13800138000", "【12345】您的诉求已受理"),
        ("dispatched", "unit", "7", "工单已派至贵单位"),
    ]
    assert "您的诉求已受理" in path.read_text(encoding="utf-8")  # Chinese kept readable, not \u-escaped
    assert all(r["at"].startswith("2026-03-02T01:30:00") for r in mine)


def test_the_console_sender_prints_audience_recipient_and_message(db, city, clock):
    stream = io.StringIO()
    nid = queue(db, city)
    ConsoleSender(stream).send(row(db, nid))
    assert stream.getvalue() == "[appellant:13800138000] 【12345】您的诉求已受理\n"


def test_make_sender_builds_the_console_and_file_senders(tmp_path):
    assert isinstance(make_sender(Settings(notify_sender="console")), ConsoleSender)
    sender = make_sender(Settings(notify_sender="file", notify_file=tmp_path / "out.log"))
    assert isinstance(sender, FileSender) and sender.path == tmp_path / "out.log"


def test_make_sender_loads_a_sender_class_by_dotted_path_and_gives_it_the_settings():
    settings = Settings(notify_sender="tests.test_notify:RecordingSender")
    sender = make_sender(settings)
    assert isinstance(sender, RecordingSender) and sender.settings is settings


@pytest.mark.parametrize(
    "name,error",
    [
        ("sms", ValueError),
        ("", ValueError),
        ("tests.test_notify", ValueError),
        ("tests.no_such_module:Sender", ModuleNotFoundError),
        ("tests.test_notify:NoSuchSender", AttributeError),
    ],
)
def test_make_sender_refuses_bad_names(name, error):
    with pytest.raises(error) as err:
        make_sender(Settings(notify_sender=name))
    if error is ValueError:
        assert "console, file or module:Class" in str(err.value)
