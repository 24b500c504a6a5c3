"""Loading knowledge-base entries from the outline format of ``lianxin/data/knowledge.txt``."""

from __future__ import annotations

from importlib.resources import files

from sqlalchemy.orm import Session

from lianxin.knowledge.service import create_entry
from lianxin.orgs.models import Unit


def parse_entries(text: str) -> list[dict]:
    """Blocks of ``Q question | owner code | tags`` and ``A answer`` lines; '#' lines are comments."""
    entries, current = [], None
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("Q "):
            question, owner, tags = (part.strip() for part in line[2:].split("|"))
            current = {"question": question, "owner": owner, "tags": tags.split(), "answer": ""}
            entries.append(current)
        elif line.startswith("A ") and current is not None:
            current["answer"] = line[2:].strip()
    return entries


def load_entries(
    session: Session, jurisdiction_id: int, units_by_code: dict[str, Unit], fallback: Unit, text: str | None = None
) -> int:
    """Create the entries; an owner code without a unit falls back to ``fallback`` (the hotline centre)."""
    text = text if text is not None else files("lianxin.data").joinpath("knowledge.txt").read_text(encoding="utf-8")
    rows = parse_entries(text)
    for row in rows:
        owner = units_by_code.get(row["owner"], fallback)
        create_entry(
            session,
            actor=None,
            jurisdiction_id=jurisdiction_id,
            question=row["question"],
            answer=row["answer"],
            owner_unit_id=owner.id,
            tags=row["tags"],
        )
    return len(rows)


def seed_demo(session: Session, city) -> None:
    """``lianxin demo``: the shipped knowledge base, each entry owned by its demo unit (else the centre)."""
    from sqlalchemy import select

    from lianxin.orgs.models import UnitKind

    centre = session.scalar(select(Unit).where(Unit.jurisdiction_id == city.jid, Unit.kind == UnitKind.CENTRE))
    load_entries(session, city.jid, {code.removeprefix("DEMO-"): unit for code, unit in city.by_code.items()}, centre)
