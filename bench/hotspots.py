"""Hotspot engine cost on the teddy2020 board messages (``hotspot_messages.csv``, 4,326 messages).

    python bench/hotspots.py [--file ../shared/data/teddy2020/hotspot_messages.csv] [--runs 3] [--top 5]

Times, per run: the gazetteer (place names of the corpus), the TF-IDF vectors (jieba + character
n-grams), the similarity graph, the clustering, and the whole ``detect_hotspots`` call (which repeats
the first three), with wall and CPU seconds (the machine may be shared: CPU time is the steadier
figure). The first run also pays for loading jieba's dictionary once per process. Prints the top
hotspots of the last run with their sizes. No database.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from lianxin.hotspots import engine  # noqa: E402
from lianxin.hotspots.cli import read_messages  # noqa: E402
from lianxin.hotspots.places import Gazetteer  # noqa: E402

DEFAULT = ROOT.parent / "shared" / "data" / "teddy2020" / "hotspot_messages.csv"


def timed(label: str, run, rows: list):
    wall, cpu = time.perf_counter(), time.process_time()
    result = run()
    rows.append((label, time.perf_counter() - wall, time.process_time() - cpu))
    return result


def one_run(messages: list, top: int) -> tuple[list, list]:
    rows: list = []
    params = engine.Params()
    gazetteer = timed("gazetteer", lambda: Gazetteer.from_texts(f"{m.title}。{m.body}" for m in messages), rows)
    places = [gazetteer.places(m.title, m.body, m.place) for m in messages]
    x, _ = timed(
        "vectors",
        lambda: engine._vectors([engine._text(m) for m in messages], [m.title for m in messages], gazetteer),
        rows,
    )
    epoch = min(m.created_at for m in messages)
    days = np.array([(m.created_at - epoch).total_seconds() / 86400 for m in messages])
    timed("similarity graph", lambda: engine._edges(x, places, days, params), rows)
    found = timed("detect_hotspots (all)", lambda: engine.detect_hotspots(messages, top=top), rows)
    return rows, found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--file", type=Path, default=DEFAULT)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--top", type=int, default=5)
    args = parser.parse_args()
    if not args.file.is_file():
        print(f"teddy2020 data not found: {args.file}; nothing to measure")
        return
    messages = read_messages(args.file)
    print(f"{len(messages)} messages from {args.file}")
    found: list = []
    for run in range(1, args.runs + 1):
        rows, found = one_run(messages, args.top)
        print(f"\nrun {run}")
        print(f"  {'stage':<24}{'wall s':>8}{'cpu s':>8}")
        for label, wall, cpu in rows:
            print(f"  {label:<24}{wall:>8.2f}{cpu:>8.2f}")
    print("\ntop hotspots (last run)")
    for h in found:
        print(
            f"  {h.rank}. heat {h.heat:6.2f}  {len(h.message_ids):3d} msgs  {h.start:%Y-%m-%d}..{h.end:%Y-%m-%d}  "
            f"{h.place}  {h.description}"
        )


if __name__ == "__main__":
    main()
