"""The 志愿服务证明 as a PDF (fpdf2). The 办法 asks for the volunteer's identity, the hours and content of
the service and the issuer (谁记录谁证明); the certificate number can be checked at ``/volunteer/verify``.

Chinese needs a CJK font: the first one found on the system is embedded (subset) — Noto Sans/Serif CJK
(Debian ``fonts-noto-cjk``), WenQuanYi, Droid Sans Fallback, or ``LIANXIN_CJK_FONT``. Without one the
certificate falls back to a font-free English version with the same fields and number (Chinese names are
left out rather than printed as boxes), so the PDF is never broken."""

from __future__ import annotations

import os
from pathlib import Path

from lianxin.appeals.privacy import mask_phone
from lianxin.volunteers.models import ServiceRecord

CANDIDATES = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
)
SC_INDEX = {"NotoSansCJK-Regular.ttc": 2, "NotoSerifCJK-Regular.ttc": 2}  # the Simplified Chinese face


def cjk_font() -> Path | None:
    for name in (os.environ.get("LIANXIN_CJK_FONT"), *CANDIDATES):
        if name and Path(name).is_file():
            return Path(name)
    return None


def certificate_pdf(record: ServiceRecord, *, verify_url: str, font: Path | None | bool = True) -> bytes:
    """``font``: True finds one, None/False forces the font-free fallback, a path uses that font."""
    from fpdf import FPDF  # here: fpdf takes ~1 s to import, and only certificates need it

    font = cjk_font() if font is True else (font or None)
    pdf = FPDF(orientation="L", format=(148, 210))  # A5
    pdf.set_auto_page_break(False)
    pdf.add_page()
    pdf.set_draw_color(180, 30, 30)
    pdf.set_line_width(1.2)
    pdf.rect(8, 8, pdf.w - 16, pdf.h - 16)
    member, activity = record.member, record.activity
    if font is not None:
        pdf.add_font("cjk", fname=str(font), collection_font_number=SC_INDEX.get(font.name, 0))
        title, family = "志愿服务证明", "cjk"
        lines = [
            f"兹证明 {member.name}（手机 {mask_phone(member.phone)}）参加志愿服务：",
            f"服务内容：{record.content}",
            f"服务日期：{record.served_on:%Y年%m月%d日}    服务时长：{record.hours} 小时",
            f"培训情况：{record.training or '—'}    服务评价：{record.evaluation or '—'}",
            f"活动：{activity.title}（{activity.place}）",
            f"记录及证明单位：{record.recorder_unit}",
            f"证明编号：{record.certificate_no}",
            f"核验：{verify_url}",
        ]
        footer = "依据《志愿服务记录与证明出具办法（试行）》出具，谁记录谁证明。"
    else:
        title, family = "Volunteer Service Certificate", "helvetica"
        lines = [
            f"Volunteer no. {member.id} (phone {mask_phone(member.phone)}) served as a volunteer.",
            f"Date: {record.served_on:%Y-%m-%d}    Hours: {record.hours}",
            f"Evaluation recorded: {'yes' if record.evaluation else 'no'}",
            f"Certificate no.: {record.certificate_no}",
            f"Check it at: {verify_url}",
        ]
        footer = "Issued under the Measures on Volunteer Service Records and Certificates (trial)."
    pdf.set_font(family, size=22)
    pdf.set_xy(10, 18)
    pdf.cell(pdf.w - 20, 12, title, align="C")
    pdf.set_font(family, size=11)
    pdf.set_xy(20, 38)
    for line in lines:
        pdf.set_x(20)
        pdf.multi_cell(pdf.w - 40, 7, line)
    pdf.set_font(family, size=8)
    pdf.set_xy(20, pdf.h - 22)
    pdf.cell(pdf.w - 40, 6, footer, align="C")
    return bytes(pdf.output())
