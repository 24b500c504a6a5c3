"""The demo city's dispatch catalogue (``lianxin demo``; the geo and knowledge modules seed their own)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from lianxin.dispatch.catalogue import load_routes


def seed_demo(session: Session, city) -> None:
    """Catalogue rules from ``lianxin.demo.ROUTES``: category path → unit code without the ``DEMO-`` prefix,
    or ``LOCAL`` for 属地 (the appeal's own street or community)."""
    from lianxin.demo import LOCAL, ROUTES

    load_routes(
        session,
        city.jid,
        {path: None if code == LOCAL else city.by_code[f"DEMO-{code}"] for path, code in ROUTES.items()},
    )
