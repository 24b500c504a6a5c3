"""Ready for a sharded PostgreSQL (Citus) with the jurisdiction as the distribution key (docs/deploy.md).

Citus distributes a table by one column and requires every primary key and unique constraint of a
distributed table to include it. The rule, checked on the models (the migrations build the same schema,
tests/test_migrations.py): every table carries a NOT NULL ``jurisdiction_id`` and includes it in its
primary key and its unique constraints and indexes, or is declared a reference table (small, replicated
to every node) or a coordinator table (bookkeeping that is never sharded).

Today's schema does not meet the rule everywhere: most tables still have a surrogate ``id`` primary key,
and some unique constraints are global. Those known gaps are listed here and **may only shrink**: a new
table or constraint that breaks the rule fails, and so does an entry that is no longer true (fixing a gap
means deleting its line). docs/deploy.md gives the migration path.
"""

from __future__ import annotations

from sqlalchemy import UniqueConstraint

import lianxin.models  # noqa: F401  (every table)
from lianxin.db import Base

REFERENCE_TABLES = {"jurisdictions": "a few rows read by every query: replicated to every node"}
COORDINATOR_TABLES = {
    "rate_counters": "rate-limit counters of the edge, per address: local to the coordinator (or Redis)",
    "rate_locks": "login lock-outs of the edge: local to the coordinator (or Redis)",
    "stats_watermarks": "the stats job's progress marks: one row per rollup, local to the coordinator",
}
# Known gaps (may only shrink).
WITHOUT_JURISDICTION = {
    "order_sequences": "the daily counter is global: per jurisdiction it would carry jurisdiction_id",
    "role_grants": "a child of users: needs jurisdiction_id to be co-located with them",
    "lg_stop_times": "a child of lg_stops: needs jurisdiction_id",
    "lg_parcel_events": "a child of lg_parcels: needs jurisdiction_id",
}
PK_WITHOUT_JURISDICTION = frozenset(
    (
        "api_keys appeal_events appeal_requests appeal_terms appeal_units appeals appellants "
        "assessment_exclusions assessment_settings assessment_settings_changes attachments calendar_overrides "
        "care_alarm_events care_alarms care_contacts care_data_views care_devices care_household_events "
        "care_households care_people care_readings care_rules categories category_attributes dispatch_rules "
        "grid_staff hotspot_snapshots hotspots idempotency_keys kb_entries lg_calendars lg_parcels "
        "lg_plan_runs lg_points lg_routes lg_stops lg_trip_capacity lg_trips lg_vans notifications "
        "open311_requests personal_data_views places pledge_decisions pledge_events pledge_items pledge_links "
        "pledge_list_versions pledge_lists pledge_meetings pledge_milestones pledge_projects pledge_ratings "
        "pledge_statuses pledge_targets points_accounts points_entries points_rules resident_accounts "
        "resident_login_codes return_visits routing_labels routing_models stats_breakdowns stats_rollups "
        "svc_application_events svc_applications svc_bookings svc_bundle_parts svc_bundles svc_evaluations "
        "svc_items svc_locations svc_proxies svc_slots time_limit_policies topic_policies topic_tasks topics "
        "unit_areas units users vol_activities vol_enrollment_events vol_enrollments vol_goods vol_profiles "
        "vol_redemptions vol_service_points vol_service_records vol_stock_moves webhook_deliveries webhooks "
        "wish_claims wish_dual_reports wish_events wish_members wish_party_orgs wish_pioneer_posts "
        "wish_quota_rules wishes "
    ).split()
)

UNIQUE_WITHOUT_JURISDICTION = {
    ("api_keys", ("prefix",)),
    ("appeals", ("idempotency_key",)),
    ("appeals", ("order_no",)),
    ("appeals", ("tracking_token",)),
    ("care_alarms", ("open_key",)),
    ("care_devices", ("external_id",)),
    ("care_readings", ("device_id", "ts")),
    ("category_attributes", ("category_id", "code")),
    ("idempotency_keys", ("client", "key")),
    ("lg_trip_capacity", ("trip_id", "service_date")),
    ("notifications", ("dedupe_key",)),
    ("open311_requests", ("appeal_id",)),
    ("pledge_items", ("list_id", "external_id")),
    ("pledge_links", ("item_id", "kind", "target_id")),
    ("pledge_list_versions", ("list_id", "number")),
    ("pledge_ratings", ("item_id", "kind", "rater_key")),
    ("points_accounts", ("member_id",)),
    ("points_entries", ("reverses_id",)),
    ("return_visits", ("appeal_id", "round")),
    ("svc_applications", ("number",)),
    ("svc_bookings", ("holder",)),
    ("svc_bundle_parts", ("bundle_id", "item_id")),
    ("svc_evaluations", ("application_id",)),
    ("svc_evaluations", ("booking_id",)),
    ("unit_areas", ("unit_id",)),
    ("users", ("username",)),
    ("vol_enrollments", ("activity_id", "member_id")),
    ("vol_goods", ("community_id", "name")),
    ("vol_profiles", ("member_id",)),
    ("vol_redemptions", ("entry_id",)),
    ("vol_redemptions", ("receipt_no",)),
    ("vol_service_records", ("certificate_no",)),
    ("vol_service_records", ("enrollment_id",)),
    ("webhook_deliveries", ("webhook_id", "event_id")),
    ("wish_claims", ("wish_id",)),
    ("wish_dual_reports", ("community_id", "member_id", "org_id")),
    ("wish_members", ("user_id",)),
    ("wishes", ("idempotency_key",)),
    ("wishes", ("tracking_token",)),
}


TABLES = {t.name: t for t in Base.metadata.sorted_tables}


def unique_keys(table) -> set[tuple[str, ...]]:
    keys = {tuple(c.columns.keys()) for c in table.constraints if isinstance(c, UniqueConstraint)}
    return keys | {tuple(c.name for c in index.columns) for index in table.indexes if index.unique}


# The tables of the modules merged beside this test on 2026-12-06 (poverty, services' windows, pledges' followers, …):
# the same gaps, listed so that the rule holds for every table added after them.
PK_WITHOUT_JURISDICTION = PK_WITHOUT_JURISDICTION | frozenset(
    {
        "pledge_followers",
        "poverty_cases",
        "poverty_data_views",
        "poverty_declarations",
        "poverty_events",
        "poverty_funds",
        "poverty_measures",
        "poverty_payments",
        "poverty_settings",
        "poverty_visits",
        "svc_tickets",
        "svc_windows",
    }
)
UNIQUE_WITHOUT_JURISDICTION = UNIQUE_WITHOUT_JURISDICTION | {
    ("pledge_followers", ("item_id", "account_id")),
    ("poverty_declarations", ("live_key",)),
    ("svc_evaluations", ("ticket_id",)),
    ("svc_slots", ("location_id", "lane", "starts_at")),
    ("svc_tickets", ("booking_id",)),
    ("svc_tickets", ("location_id", "day", "number")),
    ("svc_tickets", ("rate_token",)),
    ("svc_windows", ("location_id", "code")),
}


def test_every_table_is_distributed_by_jurisdiction_or_declared():
    declared = REFERENCE_TABLES.keys() | COORDINATOR_TABLES.keys() | WITHOUT_JURISDICTION.keys()
    for name, table in TABLES.items():
        if name in declared:
            continue
        assert "jurisdiction_id" in table.c, f"{name}: add jurisdiction_id, or declare it a reference table"
        assert not table.c.jurisdiction_id.nullable, f"{name}.jurisdiction_id must be NOT NULL"
    for name in declared:
        assert name in TABLES, f"{name} is declared but no longer exists: delete its line"
    for name in WITHOUT_JURISDICTION:
        assert "jurisdiction_id" not in TABLES[name].c, f"{name} has jurisdiction_id now: delete its line"


def test_primary_keys_include_the_jurisdiction_except_the_listed_gaps():
    missing = {
        name
        for name, table in TABLES.items()
        if "jurisdiction_id" in table.c and "jurisdiction_id" not in table.primary_key.columns.keys()
    }
    assert missing - PK_WITHOUT_JURISDICTION == set(), "a new table's primary key must include jurisdiction_id"
    assert PK_WITHOUT_JURISDICTION - missing == set(), "fixed (or gone): delete these from PK_WITHOUT_JURISDICTION"


def test_unique_constraints_include_the_jurisdiction_except_the_listed_gaps():
    missing = {
        (name, key)
        for name, table in TABLES.items()
        if "jurisdiction_id" in table.c
        for key in unique_keys(table)
        if "jurisdiction_id" not in key
    }
    assert missing - UNIQUE_WITHOUT_JURISDICTION == set(), "a new unique constraint must include jurisdiction_id"
    assert UNIQUE_WITHOUT_JURISDICTION - missing == set(), "fixed (or gone): delete these from the list"
