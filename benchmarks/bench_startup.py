"""Start-up of `python -m bot ask`: what a question from the command line pays before it is
answered (the interpreter, the imports, the engine over the seed article's cached index),
beside the bare interpreter in the same run. Each run is a fresh process; the median of N.

    .venv/bin/python benchmarks/bench_startup.py [--runs 15] [--corpus seeds]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# What `ask` does before answering, timed inside the process from its first line.
START_UP = """
import time
started = time.perf_counter()
from bot.terminal.cli import main  # noqa: F401  (the command line and the engine's front door)
imported = time.perf_counter()
from retrieval import AnswerEngine
AnswerEngine.from_folder({corpus!r})
loaded = time.perf_counter()
print(imported - started, loaded - imported)
"""


def timed(args: list[str]) -> float:
    """Wall time of one process, from fork to exit."""
    script = "import subprocess, sys, time; t = time.perf_counter(); " \
             "subprocess.run(sys.argv[1:], check=True); print(time.perf_counter() - t)"
    out = subprocess.run([sys.executable, "-c", script, *args], cwd=ROOT, check=True,
                         capture_output=True, text=True).stdout
    return float(out.split()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--corpus", default=str(ROOT / "seeds"))
    args = parser.parse_args()
    script = START_UP.format(corpus=args.corpus)
    subprocess.run([sys.executable, "-c", script], cwd=ROOT, check=True, capture_output=True)
    bare = [timed([sys.executable, "-c", "pass"]) for _ in range(args.runs)]
    whole = [timed([sys.executable, "-c", script]) for _ in range(args.runs)]
    inside = [subprocess.run([sys.executable, "-c", script], cwd=ROOT, check=True,
                             capture_output=True, text=True).stdout.split()
              for _ in range(args.runs)]
    imports = statistics.median(float(i) for i, _ in inside)
    engine = statistics.median(float(e) for _, e in inside)
    print(f"median of {args.runs} runs, {args.corpus}")
    print(f"  bare interpreter (python -c pass)     {statistics.median(bare):.3f} s")
    print(f"  ask start-up, whole process          {statistics.median(whole):.3f} s")
    print(f"    of which imports                   {imports:.3f} s")
    print(f"    of which the engine (cached index) {engine:.3f} s")


if __name__ == "__main__":
    main()
