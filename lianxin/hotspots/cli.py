"""``lianxin hotspots FILE``: the hotspot engine on a CSV of messages, as a table or JSON."""

from __future__ import annotations

import csv
import json
import time
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer

from lianxin import progress
from lianxin.clock import local_zone
from lianxin.errors import InvalidInput

REQUIRED = ("message_id", "created_at", "title", "body")


def _count(value: str | None, row: int, column: str) -> int:
    try:
        return max(int(float(value)), 0) if value not in (None, "") else 0
    except ValueError:
        raise InvalidInput(
            f"第 {row} 行 {column} 不是数字：{value}", f"row {row}: {column} is not a number: {value!r}", field=column
        ) from None


def read_messages(path: Path) -> list:
    """Messages from a CSV with message_id, created_at, title, body and optional likes, dislikes, user_id.

    Times without a zone are local (LIANXIN_TIMEZONE, default Asia/Shanghai).
    """
    from lianxin.hotspots.engine import Message

    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in REQUIRED if c not in (reader.fieldnames or [])]
        if missing:
            raise InvalidInput(
                f"CSV 缺少列：{', '.join(missing)}（需要 {', '.join(REQUIRED)}）",
                f"the CSV lacks columns: {', '.join(missing)}",
                field="file",
            )
        messages = []
        for row, record in enumerate(reader, start=2):
            try:
                created = datetime.fromisoformat(record["created_at"].strip())
            except ValueError:
                raise InvalidInput(
                    f"第 {row} 行的时间无法识别：{record['created_at']}",
                    f"row {row}: unreadable created_at {record['created_at']!r}",
                    field="created_at",
                ) from None
            messages.append(
                Message(
                    id=record["message_id"].strip(),
                    created_at=created if created.tzinfo else created.replace(tzinfo=local_zone()),
                    title=record["title"] or "",
                    body=record["body"] or "",
                    author=(record.get("user_id") or "").strip() or None,
                    likes=_count(record.get("likes"), row, "likes"),
                    dislikes=_count(record.get("dislikes"), row, "dislikes"),
                )
            )
    return messages


def hotspot_rows(hotspots) -> list[dict]:
    """Exactly the fields the CLI promises: rank, heat, time range, place, description, message ids."""
    return [
        {
            "rank": h.rank,
            "heat": h.heat,
            "time_range": [h.start.astimezone(local_zone()).isoformat(), h.end.astimezone(local_zone()).isoformat()],
            "place": h.place,
            "description": h.description,
            "message_ids": list(h.message_ids),
        }
        for h in hotspots
    ]


def hotspots(
    file: Annotated[Path, typer.Argument(help="CSV：message_id, created_at, title, body[, likes, dislikes, user_id]")],
    top: Annotated[int, typer.Option(min=1, help="输出前 N 个热点 / how many hotspots")] = 5,
    as_json: Annotated[bool, typer.Option("--json", help="输出 JSON / print JSON")] = False,
) -> None:
    """Find hotspots (热点问题) in a CSV of messages: clusters of the same problem at the same place."""
    from lianxin.hotspots.engine import detect_hotspots

    if not file.is_file():
        typer.secho(f"文件不存在 / no such file: {file}", err=True, fg="red")
        raise typer.Exit(code=2)
    try:
        messages = read_messages(file)
    except InvalidInput as exc:
        typer.secho(str(exc), err=True, fg="red")
        raise typer.Exit(code=2) from None
    started = time.perf_counter()
    with progress.bar("热点 / hotspots"):
        rows = hotspot_rows(detect_hotspots(messages, top=top))
    elapsed = time.perf_counter() - started
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    typer.echo(f"{len(messages)} 条留言，{elapsed:.1f} 秒 / {len(messages)} messages in {elapsed:.1f} s")
    typer.echo(f"{'排名':<4}{'热度':>7}  {'时间范围':<23}  {'地点/人群':<16}{'问题描述'}")
    for r in rows:
        span = f"{r['time_range'][0][:10]} 至 {r['time_range'][1][:10]}"
        typer.echo(f"{r['rank']:<6}{r['heat']:>7.2f}  {span:<25}{r['place']:<16}{r['description']}")
        typer.echo(f"{'':<6}留言编号 ({len(r['message_ids'])}): {', '.join(map(str, r['message_ids']))}")


eval_app = typer.Typer(help="评测 / evaluation", no_args_is_help=True)


@eval_app.command("hotspots")
def eval_hotspots(
    file: Annotated[Path, typer.Argument(help="留言 CSV / messages CSV (as for lianxin hotspots)")],
    topics: Annotated[
        Path, typer.Option(help="标注的问题 CSV：topic, kind (place|placeless), title_pattern / labelled topics")
    ],
    top: Annotated[int, typer.Option(min=1, help="看前 N 个热点 / top N hotspots")] = 20,
) -> None:
    """How many labelled issues the top hotspots recover, place-bound and place-less (see lianxin.hotspots.evaluate)."""
    from lianxin.hotspots.engine import detect_hotspots
    from lianxin.hotspots.evaluate import read_topics, report, score

    if not file.is_file():
        raise InvalidInput(f"文件不存在：{file}", f"no such file: {file}", field="file")
    labelled, messages = read_topics(topics), read_messages(file)
    started = time.perf_counter()
    with progress.bar("热点评测 / hotspots evaluation"):
        found = detect_hotspots(messages, top=top)
    typer.echo("\n".join(report(score(messages, found, labelled), top, len(messages), time.perf_counter() - started)))
