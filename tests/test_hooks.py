"""Module hooks: the core's verbs call the enabled modules' hooks (``lianxin.modules.HOOKS``) and never import
the modules. A switched-off module's hook does not run; the verb still works without it."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from lianxin.appeals.service import recategorize_appeal
from lianxin.assessment.service import get_settings_row
from lianxin.defaults import category_by_path
from lianxin.geo.service import set_area
from lianxin.jobs import jobs_for
from lianxin.modules import (
    HOOKS,
    Module,
    ModuleConfigError,
    enabled_modules,
    first_hook,
    hooks_for,
    pipe_hooks,
    run_hooks,
)
from lianxin.routing.models import RoutingLabel
from lianxin.stats.dashboard import weights_for
from lianxin.stats.rates import Weights
from tests.factories import new_appeal
from tests.geo.test_service import square


@pytest.fixture
def switch(db, settings):
    """``switch("-dispatch")``: this test's session runs with ``LIANXIN_MODULES`` set so."""

    def apply(selection: str) -> None:
        db.info["settings"] = settings.model_copy(update={"modules": selection})

    yield apply
    db.info["settings"] = settings


def test_the_keywords_for_repeats_are_indexed_only_while_dispatch_is_enabled(db, city, switch):
    def jobs() -> list[str]:
        return [job.name for job in jobs_for(enabled_modules(db.info["settings"]))]

    assert "index_terms" in jobs()
    switch("-dispatch")
    assert "index_terms" not in jobs()
    assert new_appeal(db, city).terms_pending  # a backlog the job works off once dispatch is enabled again


def test_intake_locates_the_appeal_only_while_geo_is_enabled(db, city, switch):
    u = city.units
    set_area(db, u["community"], square(116.0, 39.9, 116.1, 40.0), actor=None)
    located = new_appeal(db, city, community_id=None, address=None, lat=39.95, lng=116.02)
    assert located.community_id == u["community"].id
    switch("-geo,-dispatch,-logistics")  # dispatch and logistics require geo
    unlocated = new_appeal(
        db, city, community_id=None, address=None, lat=39.95, lng=116.02, appellant_phone="13900000008"
    )
    assert unlocated.community_id is None


def test_recategorizing_records_a_training_label_only_while_routing_is_enabled(db, city, switch):
    other = category_by_path(db, city.jid, "城乡建设/市政设施/井盖缺失")
    appeal = new_appeal(db, city)
    recategorize_appeal(db, appeal, other.id, actor=city.users["dispatcher"])
    labels = db.scalars(select(RoutingLabel).where(RoutingLabel.appeal_id == appeal.id)).all()
    assert [(label.category_id, label.source) for label in labels] == [(other.id, "correction")]
    recategorize_appeal(db, appeal, other.id, actor=city.users["dispatcher"])  # the same again: a confirmation
    assert (
        db.scalars(select(RoutingLabel.source).where(RoutingLabel.appeal_id == appeal.id)).all()[-1] == "confirmation"
    )
    switch("-routing")
    recategorize_appeal(db, appeal, other.id, actor=city.users["dispatcher"])
    assert appeal.category_id == other.id
    assert db.scalar(select(func.count()).select_from(RoutingLabel).where(RoutingLabel.appeal_id == appeal.id)) == 2


def test_the_rates_use_the_assessment_weights_and_the_defaults_without_assessment(db, city, switch):
    row = get_settings_row(db, city.jid)
    row.basic_satisfied_weight, row.weight_response = 0.5, 0.2
    db.flush()
    assert weights_for(db, city.jid) == Weights(0.2, row.weight_resolution, row.weight_satisfaction, 0.5)
    switch("-assessment")
    assert weights_for(db, city.jid) == Weights()


def test_pipe_run_and_first_hook_call_the_given_modules_in_order():
    calls = []
    one = Module(
        "one",
        "一",
        "One",
        hooks={
            "before_intake": lambda session, data: data + ["one"],
            "after_demo": lambda session, city: calls.append(("one", city)),
            "rate_weights": lambda session, jid: None,  # no answer: the next module's counts
        },
    )
    two = Module(
        "two",
        "二",
        "Two",
        hooks={
            "before_intake": (lambda session, data: data + ["two"], lambda session, data: data + ["three"]),
            "rate_weights": lambda session, jid: Weights(basic=0.7),
        },
    )
    assert pipe_hooks("before_intake", None, [], modules=[one, two]) == ["one", "two", "three"]
    assert run_hooks("after_demo", None, "A", modules=[one, two]) == [None]
    assert calls == [("one", "A")]
    assert first_hook("rate_weights", None, 1, modules=[one, two]) == Weights(basic=0.7)
    assert first_hook("rate_weights", None, 1, modules=[one], default="none") == "none"
    assert len(hooks_for("before_intake", [one, two])) == 3


def test_hook_names_are_checked():
    with pytest.raises(ModuleConfigError, match="unknown hooks"):
        Module("bad", "坏", "Bad", hooks={"after_lunch": "x:y"})
    with pytest.raises(KeyError):
        hooks_for("after_lunch", [])
    assert {"before_intake", "after_recategorize", "rate_weights"} <= set(HOOKS)


def test_the_enabled_modules_register_the_core_hooks():
    assert [h.__qualname__ for h in hooks_for("before_intake")] == ["fill_location"]
    assert [h.__qualname__ for h in hooks_for("after_demo")] == ["index_after_demo", "train_after_demo"]
    assert [h.__qualname__ for h in hooks_for("after_recategorize")] == ["label_recategorized"]
    assert [h.__qualname__ for h in hooks_for("rate_weights")] == ["rate_weights"]
    assert [h.__qualname__ for h in hooks_for("hotspot_topics")] == ["topics_of_hotspot"]


def test_sign_in_links_the_member_only_while_wishes_is_enabled(db, city, switch):
    from lianxin.orgs.models import User
    from lianxin.wishes.people import create_member

    user: User = city.users["operator"]
    user.phone = "13512340000"
    member = create_member(db, jurisdiction_id=city.jid, name="钩子", phone="13512340000", kind="volunteer")
    assert [h.__qualname__ for h in hooks_for("after_sign_in")] == ["link_user"]
    assert [h.__qualname__ for h in hooks_for("after_resident_sign_in")] == ["link_resident"]
    switch("-wishes,-points,-volunteers")
    run_hooks("after_sign_in", db, user)
    assert member.user_id is None
    switch("")
    run_hooks("after_sign_in", db, user)
    assert member.user_id == user.id
