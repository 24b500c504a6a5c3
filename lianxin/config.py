"""Typed settings, read once from ``LIANXIN_*`` environment variables or a ``.env`` file."""

from __future__ import annotations

import re
from datetime import timedelta
from functools import lru_cache
from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_SECRET = "dev-insecure-secret-change-me"

_RATE_RE = re.compile(r"^\s*(\d+)\s*/\s*(\d*)\s*([smhd])\s*$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


@lru_cache(maxsize=64)
def parse_rate(spec: str) -> tuple[int, timedelta]:
    """``"20/1h"`` → (20, 1 hour): at most N requests per period (``s``, ``m``, ``h``, ``d``; ``"5/m"`` = 5/1m)."""
    match = _RATE_RE.match(spec)
    if not match or int(match.group(1)) < 1 or (match.group(2) and int(match.group(2)) < 1):
        raise ValueError(f"限流设置应形如 20/1h / a rate limit looks like 20/1h, not {spec!r}")
    return int(match.group(1)), timedelta(seconds=int(match.group(2) or 1) * _UNIT_SECONDS[match.group(3)])


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LIANXIN_", env_file=".env", extra="ignore")

    database_url: str = "sqlite:///./lianxin.db"
    # No request waits forever: a lock wait (PostgreSQL lock_timeout, SQLite busy timeout) ends after
    # db_lock_timeout seconds; a request's statement after db_statement_timeout; a request's transaction
    # left idle is ended by PostgreSQL after db_idle_timeout; a free pooled connection is awaited db_pool_timeout.
    db_lock_timeout: float = 10.0
    db_statement_timeout: float = 30.0
    db_idle_timeout: float = 60.0
    db_pool_timeout: float = 10.0
    # Parallel workers one request's statement may start on PostgreSQL (max_parallel_workers_per_gather): none by
    # default, since the cores serve the other requests (bench/README.md: a parallel walk of the newest appeals took
    # 110 ms, the same walk alone 64 ms). Commands and jobs keep the server's setting.
    db_parallel_workers: int = Field(0, ge=0)
    # Logging to stderr: "plain" key=value lines or "json" (one object a line).
    log_format: str = "plain"
    log_level: str = "INFO"
    secret_key: str = DEV_SECRET
    # Fernet keys for personal data at rest (lianxin.crypto), comma-separated: the first encrypts, all decrypt.
    data_keys: str = ""
    env: str = "development"
    # The local time zone (IANA name): every local date and time shown or computed (lianxin.clock.local_zone).
    timezone: str = "Asia/Shanghai"
    # Working day used by the deadline calendar (local time).
    work_day_start: str = "09:00"
    work_day_end: str = "18:00"
    # Urge notices: hours before the handling deadline, and working days after it.
    urge_before_hours: list[int] = Field(default_factory=lambda: [24, 4])
    urge_after_working_days: list[int] = Field(default_factory=lambda: [0, 1, 3])
    # The dispatch queue flags a new appeal still waiting for a unit after this many minutes.
    dispatch_within_minutes: int = 30
    # Return-visit task: due this many working days after the reply.
    visit_within_working_days: int = 2
    # Deferred (挂账) appeals are reviewed this many days after each review.
    defer_review_every_days: int = 30
    # Notification sender: "console", "file" or a dotted path "pkg.module:Class".
    notify_sender: str = "console"
    notify_file: Path = Path("var/notifications.log")
    upload_dir: Path = Path("var/uploads")
    # Demo texts are read from here when present (never copied into the package).
    demo_data_dir: Path = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "teddy2020"
    hotline_number: str = "12345"
    # Routing model: suggestions at or above this confidence may dispatch without a person choosing;
    # a category needs this many confirmed appeals to be predicted (otherwise its parent is).
    routing_auto_threshold: float = 0.9
    routing_min_per_class: int = 10
    # Map tiles for Leaflet, e.g. "https://tile.example.org/{z}/{x}/{y}.png"; empty: unit boundaries only.
    map_tile_url: str = ""
    map_tile_attribution: str = ""
    # The jurisdiction the public (resident) pages serve, by code; empty: the first one created.
    public_jurisdiction: str = ""
    # Webhooks may target http://127.0.0.1 / localhost (tests and local development only; never in production).
    webhook_allow_local_http: bool = False
    # The modules this deployment serves (lianxin.modules.MODULES): empty or "all" for every module,
    # "hotspots,topics" for only those, "-hotspots,-topics" for all but those. The core is always on.
    modules: str = ""
    # Calls (lianxin.calls): the bearer token the telephone switch's CTI / PBX adapter sends with its call events
    # (empty: the endpoint refuses every request), and where recordings are heard: a recording reference that is
    # not itself an http(s) address is appended to this base address (e.g. "https://rec.example.org/play/").
    cti_token: str = ""
    cti_recording_url: str = ""

    # Rate limits (lianxin/ratelimit.py; counters live in the database, so every server process shares them).
    # "N/period": at most N per period (s, m, h, d), per client address unless the name says otherwise.
    rate_login_per_address: str = "30/5m"  # login attempts, right or wrong
    rate_intake_per_address: str = "20/1h"  # anonymous /appeal submissions (signed-in staff: per account)
    rate_open311_per_address: str = "120/1h"  # Open311 POST requests
    rate_open311_per_key: str = "1000/1h"  # Open311 POST requests per api_key
    rate_track_per_address: str = "30/10m"  # /track look-ups
    rate_locate_per_address: str = "300/10m"  # clicks on the resident form's map (/appeal/locate)
    rate_track_misses_per_order: str = "5/1h"  # wrong phone numbers for one order number
    rate_link_misses_per_address: str = "20/10m"  # unknown /t/{token} links and wrong phones when rating
    rate_code_per_phone: str = "5/1h"  # resident login codes sent to one phone number
    rate_code_per_address: str = "20/1h"  # resident login codes requested from one address
    rate_code_lockout_after: int = 5  # wrong codes for one phone before it is locked out (with back-off)
    # Lockout after wrong passwords: after N failures the account (or address) is locked for base seconds,
    # doubling with every further failure up to max; failures are forgotten this long after the last one.
    rate_lockout_after: int = 5  # per account (user name)
    rate_lockout_after_per_address: int = 20
    rate_lockout_base_seconds: int = 60
    rate_lockout_max_seconds: int = 3600
    rate_lockout_memory_hours: int = 24
    # Client addresses: the peer address, unless the peer is one of these proxies (IPs or CIDRs, JSON list in
    # the environment), then the nearest untrusted address in X-Forwarded-For. Empty: X-Forwarded-For is ignored.
    rate_trusted_proxies: list[str] = Field(default_factory=list)
    # The public statistics (/stats, /api/v1/stats/public) are kept in memory this long at most, and never past
    # the next fold of the rollups (lianxin/stats/cache.py); 0 turns the cache off.
    public_stats_cache_seconds: float = 60

    @field_validator(
        "rate_login_per_address",
        "rate_intake_per_address",
        "rate_open311_per_address",
        "rate_open311_per_key",
        "rate_track_per_address",
        "rate_locate_per_address",
        "rate_track_misses_per_order",
        "rate_link_misses_per_address",
        "rate_code_per_phone",
        "rate_code_per_address",
    )
    @classmethod
    def _rate(cls, value: str) -> str:
        parse_rate(value)
        return value

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"未知时区 {value!r}，应形如 Asia/Shanghai / unknown time zone {value!r}") from None
        return value

    @field_validator("rate_trusted_proxies")
    @classmethod
    def _proxies(cls, value: list[str]) -> list[str]:
        from ipaddress import ip_network

        for item in value:
            ip_network(item, strict=False)  # ValueError names the bad entry
        return value

    def check_production(self) -> None:
        if self.env == "production" and self.secret_key == DEV_SECRET:
            raise ValueError("生产环境必须设置 LIANXIN_SECRET_KEY / set LIANXIN_SECRET_KEY in production")


@lru_cache
def get_settings() -> Settings:
    return Settings()
