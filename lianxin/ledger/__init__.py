"""The appeal ledger (工单台账): filtered export to Excel/CSV and import of historical appeals."""

from lianxin.modules import Module, Nav

MODULE = Module(
    "ledger",
    "工单台账",
    "Ledger",
    page_routers=("lianxin.ledger.views:router",),
    cli=(("ledger", "lianxin.ledger.cli:ledger_app"),),
    nav=(Nav("/ledger", "工单台账", "Ledger", {"leader", "dispatcher", "handler"}),),
)
