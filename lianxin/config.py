"""Typed settings, read once from ``LIANXIN_*`` environment variables or a ``.env`` file."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_SECRET = "dev-insecure-secret-change-me"


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
    # Logging to stderr: "plain" key=value lines or "json" (one object a line).
    log_format: str = "plain"
    log_level: str = "INFO"
    secret_key: str = DEV_SECRET
    env: str = "development"
    timezone: str = "Asia/Shanghai"
    # Working day used by the deadline calendar (local time).
    work_day_start: str = "09:00"
    work_day_end: str = "18:00"
    # Urge notices: hours before the handling deadline, and working days after it.
    urge_before_hours: list[int] = Field(default_factory=lambda: [24, 4])
    urge_after_working_days: list[int] = Field(default_factory=lambda: [0, 1, 3])
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

    def check_production(self) -> None:
        if self.env == "production" and self.secret_key == DEV_SECRET:
            raise ValueError("生产环境必须设置 LIANXIN_SECRET_KEY / set LIANXIN_SECRET_KEY in production")


@lru_cache
def get_settings() -> Settings:
    return Settings()
