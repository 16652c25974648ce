"""The full answer asked once and asked again: where a first answer's time goes that a second
one does not spend (the words never analysed before, the articles read for the first time).

bench_peers.py times each question once, in a fresh process, as a user meets it. Here the same
engine (started as the bot starts, over bench_peers.py's saved memory index) answers the same
questions `--runs` times over, in one process: the first pass is bench_peers.py's figure, the
fastest of the runs per question is what the engine costs once every word and article it
reads is known (and filters out other processes' load). Run it against two commits' code in
turn (`--root`) to compare them on one machine:

    .venv/bin/python benchmarks/bench_peers.py --systems engine-answer   # builds the index
    .venv/bin/python benchmarks/bench_passes.py --questions 1000 --runs 3

`--backend xapian` answers from bench_peers.py's Xapian database (`--systems
engine-xapian-answer` builds it) instead of the memory index.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def summary(times: list[float]) -> str:
    """Mean, median and 95th percentile, in ms."""
    ordered = sorted(times)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return (f"mean {statistics.mean(times):.2f}  p50 {statistics.median(times):.2f}  "
            f"p95 {p95:.2f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--root", type=Path, default=ROOT, help="whose code (a checkout)")
    parser.add_argument("--data", type=Path, default=ROOT / ".cache" / "bench",
                        help="bench_peers.py's data folder")
    parser.add_argument("--passages", type=int, default=100_000)
    parser.add_argument("--questions", type=int, default=1_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--backend", choices=("memory", "xapian"), default="memory")
    args = parser.parse_args()
    sys.path.insert(0, str(args.root.resolve()))
    from benchmarks.bench_peers import QUESTIONS, Engine, index_folder
    from benchmarks.corpus import ensure_corpus

    corpus, questions = ensure_corpus(args.data, args.passages, questions=QUESTIONS)
    questions = list(dict.fromkeys(questions))[:args.questions]
    system = "engine-answer" if args.backend == "memory" else "engine-xapian-answer"
    started = Engine("answer", args.backend)  # as bench_peers.py starts it, as the bot starts
    started.open_folder(corpus, args.data / f"peers-{args.passages}" / index_folder(system))
    started.warm()
    engine = started.engine
    first: list[float] = []
    fastest = [float("inf")] * len(questions)
    for run in range(args.runs):
        for n, question in enumerate(questions):
            started = time.perf_counter()
            engine.answer(question)
            took = (time.perf_counter() - started) * 1000
            if run == 0:
                first.append(took)
            fastest[n] = min(fastest[n], took)
    print(f"{args.root.resolve()}, {args.backend}, {len(questions)} questions, "
          f"{args.passages:,} passages")
    print(f"  first pass         {summary(first)}")
    print(f"  fastest of {args.runs} runs  {summary(fastest)}")


if __name__ == "__main__":
    main()
