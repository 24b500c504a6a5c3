"""The leaders' wish statistics as an Excel workbook: communities, organisations' and members' quota
progress (realised wishes only) and overdue claims."""

from __future__ import annotations

from io import BytesIO

from openpyxl import Workbook
from openpyxl.styles import Font
from sqlalchemy.orm import Session

from lianxin.wishes import service as svc
from lianxin.wishes.models import QuotaScope


def stats_workbook(session: Session, jurisdiction_id: int, year: int) -> bytes:
    workbook = Workbook()
    sheets = [
        (
            "各社区 Communities",
            ["社区 community", "总数 total", "待认领 waiting", "已认领 claimed", "已实现 realised"],
            [
                [c["name"], c["total"], c["published"], c["claimed"], c["realised"]]
                for c in svc.community_counts(session, jurisdiction_id)
            ],
        ),
    ]
    for scope, title, who in (
        (QuotaScope.ORG, "党组织 Organisations", "党组织 organisation"),
        (QuotaScope.MEMBER, "党员志愿者 Members", "姓名 name"),
    ):
        rows = svc.quota_progress(session, jurisdiction_id, scope, year)
        sheets.append(
            (
                title,
                ["排名 rank", who, "已实现 realised", "年度目标 target", "进行中 in hand", "完成 met"],
                [
                    [n, p.name, p.realised, p.target, p.claimed, "是 yes" if p.met else "否 no"]
                    for n, p in enumerate(rows, 1)
                ],
            )
        )
    sheets.append(
        (
            "超期 Overdue",
            ["编号 no.", "社区 community", "认领人 claimant", "承诺日期 promised"],
            [
                [
                    w.id,
                    w.community.name,
                    w.claimed_member.name if w.claimed_member else w.claimed_org.name,
                    w.promised_on.isoformat(),
                ]
                for w in svc.overdue_claims(session, jurisdiction_id, limit=5000)
            ],
        )
    )
    workbook.remove(workbook.active)
    for title, header, rows in sheets:
        sheet = workbook.create_sheet(title)
        sheet.append(header)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in rows:
            sheet.append(row)
        sheet.column_dimensions["B"].width = 28
    out = BytesIO()
    workbook.save(out)
    return out.getvalue()
