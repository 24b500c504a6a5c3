"""微心愿 micro-wish board with party organisations and members (双报到, 先锋岗) and yearly quotas.

Layout (the same as every domain): ``status.py`` the pure state machine, ``models.py``, ``service.py`` (one verb
per action, the only door), ``views.py`` (pages, ``router``), ``api.py`` (``router`` under ``/wishes``, mounted
at ``/api/v1``), ``jobs.py`` (``JOBS``: ``(name, fn(session, settings, now))``), ``demo.py``
(``build_demo(session, settings, rng, password=...)``), ``export.py`` (the leaders' workbook).

Until the module registry is on main the package is self-contained; registering it takes:
page router ``lianxin.wishes.views:router``; API router ``lianxin.wishes.api:router`` (prefix ``/v1``);
jobs ``lianxin.wishes.jobs:JOBS``; demo ``lianxin.wishes.demo:build_demo``; nav entries (already declared in
``views.py`` with ``register_nav``): ``/wishes`` everyone, ``/wishes/staff`` grid_worker/handler/leader,
``/wishes/mine`` any signed-in user, ``/wishes/stats`` leader; models ``lianxin.wishes.models`` (imported by
``lianxin/models.py``); no new roles yet (a 党组织书记 is a user named as ``PartyOrg.secretary_user_id``).
"""
