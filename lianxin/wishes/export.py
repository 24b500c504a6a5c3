"""The leaders' wish statistics as an Excel workbook: communities, organisations' and members' quota
progress (realised wishes only), realised wishes by month and overdue claims.

Written with ``lianxin.wishes.xlsx`` (strings into a zip, no cell objects) from plain column queries, so the
workbook of a city with 100,000 wishes and thousands of members is ready in well under half a second
(``bench/wishes.py``)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from lianxin.orgs.models import Unit
from lianxin.wishes import queries
from lianxin.wishes.models import Member, PartyOrg, QuotaScope, Wish
from lianxin.wishes.xlsx import workbook


def overdue_rows(session: Session, jurisdiction_id: int, *, limit: int = 5000) -> list[tuple]:
    """(no., community, claimant, promised date) of live claims past their promised date, oldest first."""
    ids = queries.overdue_ids(session, jurisdiction_id, limit=limit)
    rows: list[tuple] = []
    for start in range(0, len(ids), 1000):  # bounded IN lists
        rows += session.execute(
            select(Wish.id, Unit.name, Member.name, PartyOrg.name, Wish.promised_on)
            .join(Unit, Unit.id == Wish.community_id)
            .outerjoin(Member, Member.id == Wish.claimed_member_id)
            .outerjoin(PartyOrg, PartyOrg.id == Wish.claimed_org_id)
            .where(Wish.id.in_(ids[start : start + 1000]))
        ).all()
    order = {wid: n for n, wid in enumerate(ids)}
    return sorted(rows, key=lambda r: order[r[0]])


def stats_workbook(session: Session, jurisdiction_id: int, year: int) -> bytes:
    sheets = [
        (
            "各社区 Communities",
            ["社区 community", "总数 total", "待认领 waiting", "已认领 claimed", "已实现 realised"],
            [
                [c["name"], c["total"], c["published"], c["claimed"], c["realised"]]
                for c in queries.community_counts(session, jurisdiction_id)
            ],
            [28, 10, 12, 12, 12],
        ),
    ]
    for scope, title, who in (
        (QuotaScope.ORG, "党组织 Organisations", "党组织 organisation"),
        (QuotaScope.MEMBER, "党员志愿者 Members", "姓名 name"),
    ):
        rows = queries.quota_progress(session, jurisdiction_id, scope, year)
        sheets.append(
            (
                title,
                ["排名 rank", who, "已实现 realised", "年度目标 target", "进行中 in hand", "完成 met"],
                [
                    [n, p.name, p.realised, p.target, p.claimed, "是 yes" if p.met else "否 no"]
                    for n, p in enumerate(rows, 1)
                ],
                [8, 28, 12, 12, 12, 10],
            )
        )
    months = queries.realised_by_month(session, jurisdiction_id, year)
    sheets.append(
        (
            "按月 By month",
            ["月份 month", "已实现 realised"],
            [[f"{year}-{m:02d}", months[m]] for m in range(1, 13)],
            [12, 12],
        )
    )
    sheets.append(
        (
            "超期 Overdue",
            ["编号 no.", "社区 community", "认领人 claimant", "承诺日期 promised"],
            [
                [wid, community, org or member or "", promised.isoformat()]
                for wid, community, member, org, promised in overdue_rows(session, jurisdiction_id)
            ],
            [10, 28, 24, 14],
        )
    )
    return workbook(sheets)


def org_workbook(board) -> bytes:
    """A party organisation's board (``queries.OrgBoard``) as a workbook: organisations, members, months, overdue."""
    progress = ["已实现 realised", "年度目标 target", "进行中 in hand", "完成 met"]

    def row(p):
        return [p.realised, p.target, p.claimed, "是 yes" if p.met else "否 no"]

    return workbook(
        [
            (
                "党组织 Organisations",
                ["党组织 organisation", *progress],
                [[p.name, *row(p)] for p in board.orgs],
                [28, 12, 12, 12, 10],
            ),
            (
                "党员志愿者 Members",
                ["排名 rank", "姓名 name", *progress],
                [[n, p.name, *row(p)] for n, p in enumerate(board.members, 1)],
                [8, 20, 12, 12, 12, 10],
            ),
            (
                "按月 By month",
                ["月份 month", "已实现 realised"],
                [[f"{board.year}-{m:02d}", n] for m, n in board.months.items()],
                [12, 12],
            ),
            (
                "超期 Overdue",
                ["编号 no.", "社区 community", "认领人 claimant", "承诺日期 promised"],
                [
                    [
                        w.id,
                        w.community.name,
                        w.claimed_member.name if w.claimed_member else (w.claimed_org.name if w.claimed_org else ""),
                        w.promised_on.isoformat(),
                    ]
                    for w in board.overdue
                ],
                [10, 28, 24, 14],
            ),
        ]
    )
