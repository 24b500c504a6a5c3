"""Gazetteer matching cost: the longest-match scan over names bucketed by length (``lianxin.geo.service.Gazetteer``).

    python bench/gazetteer.py [--names 1000 10000 100000] [--texts 2000]

For gazetteers of each size (synthetic place names of 2–12 characters: roads, 小区, villages,
landmarks) it times ``Gazetteer.scan`` over appeal-like texts of ~80 characters that each mention
one or two of the names, and prints the build time and µs per text (p50/p95). No database: the
scan is what runs per appeal once the gazetteer is cached.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from lianxin.geo.models import PlaceKind  # noqa: E402
from lianxin.geo.service import Gazetteer  # noqa: E402

CHARS = (
    "阳光幸福和平锦绣金桂春晖滨河望月明珠书香翠湖银杏梧桐紫荆丽景康乐福寿安居长青新华东西南北中山人民解放建设胜利友谊"
)
SUFFIXES = (
    ("路", PlaceKind.ROAD),
    ("大街", PlaceKind.ROAD),
    ("小区", PlaceKind.COMPOUND),
    ("花园", PlaceKind.COMPOUND),
    ("村", PlaceKind.VILLAGE),
    ("广场", PlaceKind.LANDMARK),
    ("公园", PlaceKind.LANDMARK),
)
FILLER = "门口的路灯已经坏了一周晚上很黑老人出行不便希望有关部门尽快派人维修处理谢谢"


def names(rng: random.Random, count: int) -> list[tuple[str, PlaceKind, int, int]]:
    rows, seen = [], set()
    while len(rows) < count:
        suffix, kind = rng.choice(SUFFIXES)
        name = "".join(rng.choices(CHARS, k=rng.randint(2, 8))) + suffix
        if name not in seen:
            seen.add(name)
            rows.append((name, kind, len(rows) + 1, 3))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--names", type=int, nargs="+", default=[1_000, 10_000, 100_000])
    parser.add_argument("--texts", type=int, default=2_000)
    args = parser.parse_args()
    rng = random.Random(2026)
    print(f"{'names':>8}{'build ms':>10}{'p50 µs/text':>13}{'p95 µs/text':>13}{'matches/text':>14}")
    for count in args.names:
        rows = names(rng, count)
        t0 = time.perf_counter()
        gazetteer = Gazetteer(rows)
        build = (time.perf_counter() - t0) * 1000
        texts = []
        for _ in range(args.texts):
            picked = [r[0] for r in rng.sample(rows, rng.randint(1, 2))]
            cut = rng.randint(10, 40)
            texts.append(f"{FILLER[:cut]}{picked[0]}{FILLER[cut:]}{''.join(picked[1:])}")
        times, found = [], 0
        for text in texts:
            t0 = time.perf_counter()
            found += len(gazetteer.scan(text))
            times.append((time.perf_counter() - t0) * 1e6)
        times.sort()
        print(
            f"{count:>8,}{build:>10.1f}{statistics.median(times):>13.1f}{times[int(0.95 * len(times))]:>13.1f}"
            f"{found / len(texts):>14.2f}"
        )


if __name__ == "__main__":
    main()
