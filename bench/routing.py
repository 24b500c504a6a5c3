"""Routing model figures on the Teddy Cup 2020 data (read from ../shared/data/teddy2020 at run time).

    python bench/routing.py [--data DIR] [--folds 5] [--plain]

Prints what ``lianxin eval routing --train appeals_train.csv --train appeals_tokens.csv`` prints:
stratified 5-fold CV with near-duplicate appeals kept in one fold (the honest figure for appeals the
model has never seen), per-class precision/recall/F1, training time and single-appeal latency (wall
and CPU). ``--plain`` adds the same CV without grouping duplicates (copies of one appeal may then
sit on both sides of a split, as in published random splits), for comparison only. It then reports
the size and load time of the serialized model trained on everything. Skips with a message when the
data is absent.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from lianxin.config import get_settings
from lianxin.routing.classifier import TextClassifier
from lianxin.routing.evaluate import cross_validate, read_labelled


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=get_settings().demo_data_dir)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--plain", action="store_true", help="also cross-validate without grouping duplicates")
    args = parser.parse_args()
    files = [args.data / "appeals_train.csv", args.data / "appeals_tokens.csv"]
    if not all(f.is_file() for f in files):
        print(f"skipped: Teddy 2020 data not found in {args.data}")
        return 0
    data = read_labelled(files, "label_l1")
    print("\n".join(cross_validate(data, args.folds)))
    if args.plain:
        print("\n--- without grouping near-duplicates (comparison with random splits) ---")
        print("\n".join(cross_validate(data, args.folds, group_duplicates=False)))
    model = TextClassifier().fit(data.docs, data.labels)
    blob = model.to_bytes()
    started = time.perf_counter()
    TextClassifier.from_bytes(blob)
    print(
        f"\nfull model: {len(data.docs)} appeals, fit {model.fit_seconds:.1f} s wall / {model.fit_cpu_seconds:.1f} s CPU, "
        f"{len(blob) / 1e6:.1f} MB serialized, loads in {time.perf_counter() - started:.2f} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
