"""The verb table (``appeals/verbs.py``) is the one list of appeal actions: the staff page's forms and the API's
action routes are both built from it, with the same names, labels and inputs; event kinds are an enum."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from lianxin.api.actions import body_model, router
from lianxin.appeals.models import AppealEvent
from lianxin.appeals.service import answer_directly, record_event
from lianxin.appeals.status import EVENT_KINDS, PUBLIC_EVENT_KINDS, TRANSITIONS, Action, AppealStatus, EventKind
from lianxin.appeals.verbs import API, BY_NAME, VERBS, WEB, Input
from lianxin.stats.fold import COUNTED_KINDS, HISTORY_KINDS
from lianxin.web.staff.actions import ACTION_FORMS, WIDGETS
from tests.api.test_actions import act
from tests.factories import new_appeal


def test_every_verb_is_a_staff_form_and_an_api_action_with_the_same_labels():
    routes = {route.path: route for route in router.routes}
    assert [form.name for form in ACTION_FORMS] == [verb.name for verb in VERBS]
    for verb, form in zip(VERBS, ACTION_FORMS, strict=True):
        assert (form.label("zh-CN"), form.label("en"), form.status_action) == (verb.zh, verb.en, verb.action)
        shown = [item for item in verb.inputs_for(WEB) if item.kind in WIDGETS]
        assert [(f.name, f.zh, f.en, f.kind) for f in form.fields] == [
            (i.name, i.zh, i.en, WIDGETS[i.kind]) for i in shown
        ]
    assert list(routes) == [f"/appeals/{{order_no}}/{verb.name}" for verb in VERBS]
    assert [route.summary for route in routes.values()] == [f"{verb.zh} / {verb.en}" for verb in VERBS]


def test_the_api_bodies_are_the_verbs_api_inputs():
    for verb in VERBS:
        model = body_model(verb)
        assert set(model.model_fields) == {"version"} | {item.name for item in verb.inputs_for(API)}
        required = {name for name, f in model.model_fields.items() if f.is_required()}
        assert required == {item.name for item in verb.inputs_for(API) if item.required and item.kind != "flag"}


def test_every_verb_names_a_state_machine_action_some_status_allows():
    offered = {action for (_, action) in TRANSITIONS}
    assert len(BY_NAME) == len(VERBS)
    for verb in VERBS:
        assert verb.action in offered, verb.name
    assert all(isinstance(action, Action) for action in (v.action for v in VERBS))


def test_an_input_kind_must_be_known():
    with pytest.raises(ValueError, match="unknown input kind"):
        Input("x", "叉", "X", "colour")


def test_the_api_refuses_an_unreasonable_judgement_without_a_reason_as_the_page_does(client, db, city, make_key):
    appeal = new_appeal(db, city, actor_key="operator")
    answer_directly(db, appeal, actor=city.users["operator"], answer="路灯报修已转交路灯管理所，三日内修复。")
    visitor = make_key("visitor")
    body = {"contacted": True, "solved": False, "satisfaction": "dissatisfied", "unreasonable": True}
    refused = act(client, visitor, appeal, "visit", body)
    assert refused.status_code == 422 and refused.json()["field"] == "comment"
    satisfied = act(client, visitor, appeal, "visit", body | {"satisfaction": "satisfied", "comment": "理由"})
    assert satisfied.status_code == 422 and satisfied.json()["field"] == "unreasonable"
    db.refresh(appeal)
    assert appeal.status == AppealStatus.REPLIED
    judged = act(client, visitor, appeal, "visit", body | {"comment": "诉求超出政策规定，已解释清楚"})
    assert judged.status_code == 200 and judged.json()["status"] == "closed"


def test_event_kinds_are_one_enum_used_by_the_statistics_fold(db, city):
    assert set(EVENT_KINDS.values()) <= set(EventKind)
    assert set(PUBLIC_EVENT_KINDS) <= set(EventKind)
    assert COUNTED_KINDS <= set(EventKind) and HISTORY_KINDS <= set(EventKind)
    appeal = new_appeal(db, city)
    with pytest.raises(ValueError):
        record_event(db, appeal, "teleported", actor=None)
    record_event(db, appeal, EventKind.NOTED, actor=None, note="备注")
    db.flush()
    kinds = db.scalars(
        select(AppealEvent.kind).where(AppealEvent.appeal_id == appeal.id).order_by(AppealEvent.id)
    ).all()
    assert kinds == ["submitted", "noted"] and all(type(kind) is str for kind in kinds)
