"""Key rotation for the register's personal data (``lianxin care rotate-keys``): every ID number and phone is
decrypted with whichever configured key fits and encrypted again under the first of ``LIANXIN_DATA_KEYS``.
Works on the raw tokens (no clear text is kept in memory beyond one row); the keyed hashes do not change."""

from __future__ import annotations

from sqlalchemy import Integer, String, column, select, table, update
from sqlalchemy.orm import Session

from lianxin import crypto

_PEOPLE = table("care_people", column("id", Integer), column("id_number", String), column("phone", String))
_CONTACTS = table("care_contacts", column("id", Integer), column("phone", String))


def rotate_keys(session: Session, *, batch: int = 500) -> int:
    """Re-encrypt every token under the primary key; returns how many rows were rewritten."""
    ring = crypto.active()
    rewritten = 0
    for tbl, fields in ((_PEOPLE, ("id_number", "phone")), (_CONTACTS, ("phone",))):
        last = 0
        while True:
            rows = session.execute(
                select(tbl.c.id, *(tbl.c[f] for f in fields)).where(tbl.c.id > last).order_by(tbl.c.id).limit(batch)
            ).all()
            if not rows:
                break
            for row in rows:
                values = {f: ring.rotate(getattr(row, f)) for f in fields if getattr(row, f) is not None}
                if values:
                    session.execute(update(tbl).where(tbl.c.id == row.id).values(**values))
                    rewritten += 1
            last = rows[-1].id
    session.flush()
    return rewritten
