"""Resident accounts (我的): residents who come back sign in with their phone number and a one-time code
sent by SMS, and see every appeal filed with that phone in one list (我的诉求). The module pages of wishes,
applications, appointments and ratings hang off the same account.

The account is not a staff user: it lives in its own table and its own signed cookie (``lianxin_resident``),
so signing in or out on one side never touches the other.
"""

from lianxin.modules import Module

MODULE = Module(
    "residents",
    "居民账号",
    "Resident accounts",
    page_routers=("lianxin.residents.views:router",),
)
