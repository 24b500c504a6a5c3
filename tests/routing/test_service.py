"""Training from the deployment's confirmed appeals, storing versions, suggesting and labelling."""

from __future__ import annotations

import random

import pytest
from sqlalchemy import func, select

from lianxin.appeals.categories import set_category_active
from lianxin.appeals.models import AppealEvent
from lianxin.appeals.service import (
    close_appeal,
    dispatch_appeal,
    recategorize_appeal,
    record_contact,
    reply_to_appeal,
    sign_appeal,
)
from lianxin.appeals.status import AppealStatus
from lianxin.defaults import category_by_path
from lianxin.errors import InvalidInput, PermissionDenied, StaleVersion
from lianxin.routing.labels import record_label
from lianxin.routing.models import RoutingLabel, RoutingModel
from lianxin.routing.service import (
    CategorySuggestion,
    active_model,
    can_auto_dispatch,
    suggest_categories,
    train_model,
    training_set,
)
from lianxin.routing.text import tokenize
from tests.factories import new_appeal
from tests.routing.synthetic import appeal_text

PATHS = {"路灯": "城乡建设/市政设施/路灯故障", "停水": "公共服务/供水/停水", "噪声": "环境保护/噪声污染/施工噪声"}


def category(db, city, topic_or_path: str):
    return category_by_path(db, city.jid, PATHS.get(topic_or_path, topic_or_path))


def close(db, city, appeal):
    """Through the real lifecycle, as the system (actor None)."""
    dispatch_appeal(db, appeal, city.units["street"], actor=None)
    sign_appeal(db, appeal, actor=None)
    record_contact(db, appeal, actor=None, note="已电话联系")
    reply_to_appeal(db, appeal, actor=None, text="已处理完毕，感谢反映。")
    close_appeal(db, appeal, actor=None)


def confirmed_city(db, city, per_topic: int = 12, closed_per_topic: int = 3, seed: int = 1):
    """Appeals for three topics: some closed with their intake category, the rest confirmed by the dispatcher."""
    rng = random.Random(seed)
    for topic in PATHS:
        for i in range(per_topic):
            text = appeal_text(topic, rng)
            appeal = new_appeal(db, city, category=None, title=text[:20], content=text)
            if i < closed_per_topic:
                appeal.category_id = category(db, city, topic).id
                close(db, city, appeal)
            else:
                recategorize_appeal(db, appeal, category(db, city, topic).id, actor=city.users["dispatcher"])


def test_train_stores_a_version_and_suggests_the_right_category_with_its_words(db, city):
    confirmed_city(db, city)
    row = train_model(db, city.jid, actor=city.users["admin"])
    assert (row.version, row.n_samples) == (1, 36)
    assert sorted(row.classes) == sorted(category(db, city, t).id for t in PATHS)
    assert row.metrics["cv"]["folds"] == 5 and 0 <= row.metrics["cv"]["macro_f1"] <= 1
    report = row.metrics["cv"]["report"]
    assert sorted(report["classes"]) == sorted(str(c) for c in row.classes) and sum(report["support"]) == 36
    assert sum(map(sum, report["confusion"])) == 36 and all(0 <= f <= 1 for f in report["f1"])
    assert row.metrics["fit_seconds"] > 0
    db.expire_all()
    assert len(db.get(RoutingModel, row.id).model_bytes) > 1000

    text = "楼下的路灯不亮了，夜间漆黑一片，灯杆也歪了"
    suggestions = suggest_categories(db, city.jid, text)
    assert len(suggestions) == 3 and all(isinstance(s, CategorySuggestion) for s in suggestions)
    best = suggestions[0]
    assert best.category_id == category(db, city, "路灯").id
    assert best.label == "城乡建设 / 市政设施 / 路灯故障"
    assert best.model_version == 1
    assert best.confidence > suggestions[1].confidence >= suggestions[2].confidence >= 0
    assert sum(s.confidence for s in suggestions) <= 1.0001
    assert best.words and set(best.words) <= set(tokenize(text))
    assert {"灯杆", "夜间", "漆黑"} & set(best.words)
    assert (
        suggest_categories(db, city.jid, "自来水停水了，水龙头没有水", k=1)[0].category_id
        == category(db, city, "停水").id
    )


def test_retraining_adds_an_active_version_and_keeps_the_old_one(db, city):
    confirmed_city(db, city)
    first = train_model(db, city.jid, actor=None, cross_validate=False)
    second = train_model(db, city.jid, actor=None, cross_validate=False)
    assert (first.version, second.version) == (1, 2)
    assert "cv" not in second.metrics
    assert active_model(db, city.jid).id == second.id
    assert suggest_categories(db, city.jid, "工地夜里施工噪声扰民")[0].model_version == 2
    assert (
        db.scalar(select(func.count()).select_from(RoutingModel).where(RoutingModel.jurisdiction_id == city.jid)) == 2
    )


def test_a_correction_overrides_the_closed_category_and_small_leaves_fold_into_their_parent(db, city):
    confirmed_city(db, city, per_topic=10, closed_per_topic=10)
    lamp, road, cover = (
        category(db, city, p) for p in ("路灯", "城乡建设/市政设施/道路破损", "城乡建设/市政设施/井盖缺失")
    )
    closed = db.scalars(select(RoutingLabel.appeal_id)).all()
    assert closed == []  # closed appeals carry their category without a label row
    texts, labels = training_set(db, city.jid, minimum=10)
    assert labels.count(lamp.id) == 10
    rng = random.Random(5)
    for target in [road] * 5 + [cover] * 6:
        appeal = new_appeal(db, city, category="城乡建设/市政设施/路灯故障", content=appeal_text("路灯", rng))
        recategorize_appeal(db, appeal, target.id, actor=city.users["dispatcher"])
    texts, labels = training_set(db, city.jid, minimum=10)
    assert labels.count(lamp.parent_id) == 11  # 5 + 6 folded into 市政设施
    assert labels.count(lamp.id) == 10 and road.id not in labels and cover.id not in labels
    set_category_active(db, category(db, city, "停水"), actor=None, active=False)
    texts, labels = training_set(db, city.jid, minimum=10)
    assert category(db, city, "停水").parent_id in labels and category(db, city, "停水").id not in labels


def test_too_little_data_is_refused_and_stores_nothing(db, city):
    confirmed_city(db, city, per_topic=4, closed_per_topic=1)
    with pytest.raises(InvalidInput) as caught:
        train_model(db, city.jid, actor=city.users["admin"])
    assert "训练数据不足" in caught.value.message_zh and "too little training data" in caught.value.message_en
    assert active_model(db, city.jid) is None
    assert suggest_categories(db, city.jid, "路灯不亮") == []


def test_only_an_admin_of_the_jurisdiction_may_train(db, city):
    from tests.factories import build_city

    confirmed_city(db, city, per_topic=10, closed_per_topic=0)
    with pytest.raises(PermissionDenied):
        train_model(db, city.jid, actor=city.users["dispatcher"])
    other = build_city(db)
    with pytest.raises(PermissionDenied):
        train_model(db, city.jid, actor=other.users["admin"])
    assert active_model(db, city.jid) is None


def test_low_confidence_never_auto_dispatches():
    def s(confidence):
        return CategorySuggestion(1, "城乡建设", confidence)

    assert can_auto_dispatch([s(0.95), s(0.03)], threshold=0.9)
    assert not can_auto_dispatch([s(0.89), s(0.1)], threshold=0.9)
    assert not can_auto_dispatch([], threshold=0.0)
    assert can_auto_dispatch([s(0.9)])  # the default threshold is 0.9 (settings.routing_auto_threshold)
    assert not can_auto_dispatch([s(0.85)])


def test_recategorize_records_a_label_and_an_event(db, city):
    appeal = new_appeal(db, city)
    lamp, water = category(db, city, "路灯"), category(db, city, "停水")
    recategorize_appeal(db, appeal, water.id, actor=city.users["dispatcher"], predicted_category_id=lamp.id)
    recategorize_appeal(db, appeal, water.id, actor=city.users["dispatcher"])
    assert appeal.category_id == water.id and appeal.status == AppealStatus.RECEIVED
    labels = db.scalars(select(RoutingLabel).where(RoutingLabel.appeal_id == appeal.id).order_by(RoutingLabel.id)).all()
    assert [(x.category_id, x.predicted_category_id, x.source) for x in labels] == [
        (water.id, lamp.id, "correction"),
        (water.id, None, "confirmation"),
    ]
    assert labels[0].actor_id == city.users["dispatcher"].id
    events = db.scalars(
        select(AppealEvent).where(AppealEvent.appeal_id == appeal.id, AppealEvent.kind == "recategorized")
    ).all()
    assert events[0].payload == {"from": "路灯故障", "to": "停水"} and not events[0].public


def test_recategorize_refuses_wrong_people_and_bad_categories_without_changing_anything(db, city):
    appeal = new_appeal(db, city)
    before, water = appeal.category_id, category(db, city, "停水")
    with pytest.raises(PermissionDenied):
        recategorize_appeal(db, appeal, water.id, actor=city.users["operator"])
    with pytest.raises(InvalidInput):
        recategorize_appeal(db, appeal, 10**9, actor=city.users["dispatcher"])
    set_category_active(db, water, actor=None, active=False)
    with pytest.raises(InvalidInput):
        recategorize_appeal(db, appeal, water.id, actor=city.users["dispatcher"])
    with pytest.raises(StaleVersion):
        recategorize_appeal(
            db,
            appeal,
            category(db, city, "噪声").id,
            actor=city.users["dispatcher"],
            expected_version=appeal.version - 1,
        )
    assert appeal.category_id == before
    assert db.scalar(select(func.count()).select_from(RoutingLabel).where(RoutingLabel.appeal_id == appeal.id)) == 0


def test_record_label_validates_source_and_categories(db, city):
    appeal = new_appeal(db, city)
    with pytest.raises(InvalidInput):
        record_label(db, appeal, category(db, city, "停水").id, actor=None, source="guess")
    with pytest.raises(InvalidInput):
        record_label(db, appeal, 10**9, actor=None, source="intake")
    label = record_label(
        db,
        appeal,
        category(db, city, "停水").id,
        actor=city.users["operator"],
        source="intake",
        predicted_category_id=category(db, city, "路灯").id,
    )
    assert label.id and label.jurisdiction_id == city.jid


def test_suggestions_are_for_intake_staff_of_the_jurisdiction(db, city):
    from tests.factories import build_city

    assert suggest_categories(db, city.jid, "路灯不亮", actor=city.users["operator"]) == []  # no model yet
    with pytest.raises(PermissionDenied):
        suggest_categories(db, city.jid, "路灯不亮", actor=city.users["visitor"])
    with pytest.raises(PermissionDenied):
        suggest_categories(db, city.jid, "路灯不亮", actor=build_city(db).users["operator"])
    with pytest.raises(InvalidInput):
        suggest_categories(db, city.jid, "  ", actor=city.users["operator"])


def test_the_demo_hook_says_so_when_there_is_too_little_to_train(db, city):
    from types import SimpleNamespace

    from lianxin.routing.service import train_after_demo

    text = train_after_demo(db, SimpleNamespace(jid=city.jurisdiction.id))
    assert "not trained" in text and active_model(db, city.jurisdiction.id) is None
