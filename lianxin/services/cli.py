"""lianxin services …"""

import typer

services_app = typer.Typer(help="政务服务 / government services")
