"""``lianxin care …`` (the register) and ``lianxin alerts …`` (listen, simulate, evaluate)."""

from __future__ import annotations

import typer

care_app = typer.Typer(help="关爱台账 / the care register", no_args_is_help=True)
alerts_app = typer.Typer(help="关爱告警 / care alarms: MQTT listener, simulator", no_args_is_help=True)
