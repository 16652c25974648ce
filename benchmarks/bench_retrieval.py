"""Retrieval benchmark: the engine against plain rank-bm25, on generated corpora of 1k to 1M
passages and 200 questions each (see corpus.py).

Every measurement runs in a fresh process, so that each peak RSS is its own:
- build: read and parse the articles, analyse and index them, write the on-disk cache;
- serve: start from the cache, then answer the questions (full answer: ranking and excerpts)
  and rank them alone (`MemoryIndex.search`, as the engine calls it);
- rank-bm25: BM25Okapi (with the engine's Lucene idf) over the same terms, `get_scores` and
  top-k for the same questions, within a time budget (it takes seconds a question at 1M).

    .venv/bin/python benchmarks/bench_retrieval.py                     # 1k, 10k, 100k, 1M
    .venv/bin/python benchmarks/bench_retrieval.py --sizes 1000 10000   # some sizes only

Corpora and caches go to .cache/bench/ (generated once). Results are merged into
results.json of the results folder (`--out`, by default benchmarks/results/, git-ignored; `--out
benchmarks` updates the figures BENCHMARKS.md shows); the table is printed, and the plot
retrieval.png is drawn there when matplotlib is installed (`pip install -e '.[bench]'`).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.corpus import ensure_corpus  # noqa: E402
from retrieval.index.memory_store import (article_files, cache_path, corpus_key,  # noqa: E402
                                          write_store)
from retrieval.articles.files import document_id  # noqa: E402
from retrieval.articles.documents import load_corpus, parse_articles  # noqa: E402
from retrieval.engine import CANDIDATE_PASSAGES, AnswerEngine  # noqa: E402
from retrieval.index.backends import IndexStore  # noqa: E402
from retrieval.index.memory import LuceneBM25, MemoryIndex, passage_terms  # noqa: E402
from retrieval.answer.question import parse_query  # noqa: E402

SIZES = [1_000, 10_000, 100_000, 1_000_000]
DATA = ROOT / ".cache" / "bench"
# Where a run writes, unless told: not over the tracked results BENCHMARKS.md shows.
RESULTS_DIR = ROOT / "benchmarks" / "results"
RESULTS = "results.json"
PLOT = "retrieval.png"
SEED_QUESTION = "Qui a signé la lettre ?"


def peak_rss_mb() -> float:
    """This process's peak resident memory (Linux reports kilobytes)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def milliseconds(latencies: list[float]) -> dict[str, float]:
    return {"median_ms": float(np.median(latencies) * 1e3),
            "p99_ms": float(np.percentile(latencies, 99) * 1e3)}


def timed(call, items) -> list[float]:
    latencies = []
    for item in items:
        started = time.perf_counter()
        call(item)
        latencies.append(time.perf_counter() - started)
    return latencies


def run_build(folder: Path, cache_dir: Path) -> dict:
    """Index from scratch, phase by phase, as `load_indexed_corpus` does without a cache."""
    path = cache_path(folder, cache_dir)
    started = time.perf_counter()
    checked_ns = time.time_ns()
    files = article_files(folder, None)  # each read and hashed: there is no store
    documents = parse_articles({folder / name: data for name, data in files.contents.items()})
    by_id = {document_id(name): found for name, found in files.digests.items()}
    parsed = time.perf_counter()
    index = MemoryIndex.build(documents, digests=[by_id[d.id] for d in documents])
    analysed = time.perf_counter()
    write_store(path, corpus_key(files.digests), index, files, checked_ns)
    done = time.perf_counter()
    return {
        "passages": len(index),
        "parse_s": parsed - started,
        "analyse_s": analysed - parsed,
        "passages_per_s": len(index) / (analysed - parsed),
        "cache_write_s": done - analysed,
        "build_s": done - started,
        "cache_mb": sum(f.stat().st_size for f in path.iterdir()) / 2**20,
        "build_rss_mb": peak_rss_mb(),
    }


def run_serve(folder: Path, cache_dir: Path, questions: list[str]) -> dict:
    """Start from the cache, then answer every question, once to warm up and once timed."""
    started = time.perf_counter()
    engine = AnswerEngine.from_folder(folder, IndexStore(cache_dir=cache_dir))
    startup = time.perf_counter() - started
    queries = [parse_query(q) for q in questions]

    def rank(query):
        return engine.index.search(list(query.terms), CANDIDATE_PASSAGES, weights=query.boosts)

    answered = sum(engine.answer(q).answered for q in questions)
    return {
        "startup_s": startup,
        "answered": answered,
        "questions": len(questions),
        "answer": milliseconds(timed(engine.answer, questions)),
        "ranking": milliseconds(timed(rank, queries)),
        "serve_rss_mb": peak_rss_mb(),
    }


def run_reference(folder: Path, questions: list[str], budget_s: float) -> dict:
    """Plain rank-bm25 on the same terms, holding the documents as the engine does."""
    documents = load_corpus(folder)
    started = time.perf_counter()
    bm25 = LuceneBM25(list(passage_terms(documents)))
    build = time.perf_counter() - started
    terms = [list(parse_query(q).terms) for q in questions]

    def rank(query):
        scores = bm25.get_scores(query)
        top = np.argpartition(-scores, CANDIDATE_PASSAGES)[:CANDIDATE_PASSAGES]
        return top[np.argsort(-scores[top])]

    latencies, deadline = [], time.perf_counter() + budget_s
    for query in terms:
        latencies += timed(rank, [query])
        if time.perf_counter() > deadline and len(latencies) >= 10:
            break
    return {"build_s": build, "questions": len(latencies), "ranking": milliseconds(latencies),
            "rss_mb": peak_rss_mb()}


def run_seed() -> dict:
    """Process start to first answer on the seed article, as a user types it (cache warm)."""
    command = [sys.executable, "-m", "bot", "ask", SEED_QUESTION]
    subprocess.run(command, cwd=ROOT, capture_output=True, check=True)
    started = time.perf_counter()
    subprocess.run(command, cwd=ROOT, capture_output=True, check=True)
    return {"first_answer_s": time.perf_counter() - started}


def child(mode: str, size: int, data: Path, budget_s: float) -> dict:
    """One measurement, in this (fresh) process."""
    folder, questions = ensure_corpus(data, size)
    cache_dir = data / "index-cache"
    if mode == "build":
        return run_build(folder, cache_dir)
    if mode == "serve":
        return run_serve(folder, cache_dir, questions)
    return run_reference(folder, questions, budget_s)


def measure(size: int, data: Path, budget_s: float) -> dict:
    result = {}
    for mode in ("build", "serve", "rank-bm25"):
        print(f"  {size:>9,} passages: {mode}…", file=sys.stderr, flush=True)
        out = subprocess.run(
            [sys.executable, __file__, "--child", mode, "--sizes", str(size), "--data", str(data),
             "--budget", str(budget_s)],
            stdout=subprocess.PIPE, text=True, check=True,
        )
        result[mode] = json.loads(out.stdout)
    return result


def machine() -> dict:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return {"cpu": cpu, "cores": os.cpu_count(), "memory_gb": round(memory, 1),
            "python": platform.python_version(), "system": platform.platform()}


def ratio(x: float) -> str:
    return f"{x:.1f}×" if x < 10 else f"{x:,.0f}×"


def table(results: dict) -> str:
    """The results as a Markdown table, one row per corpus size."""
    lines = [
        "| passages | build | analysis | start-up (cache) | answer median / p99 | ranking median / p99 "
        "| rank-bm25 median / p99 | rank-bm25 ÷ answer | rank-bm25 ÷ ranking | RSS serve / build "
        "| RSS rank-bm25 |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for size in sorted(results["sizes"], key=int):
        r = results["sizes"][size]
        b, s, ref = r["build"], r["serve"], r["rank-bm25"]
        reference = ref["ranking"]["median_ms"]
        sampled = "" if ref["questions"] == s["questions"] else f" ({ref['questions']} q.)"
        lines.append(
            f"| {int(size):,} | {b['build_s']:.1f} s | {b['passages_per_s']:,.0f} /s "
            f"| {s['startup_s']:.2f} s "
            f"| {s['answer']['median_ms']:.2f} / {s['answer']['p99_ms']:.2f} ms "
            f"| {s['ranking']['median_ms']:.2f} / {s['ranking']['p99_ms']:.2f} ms "
            f"| {ref['ranking']['median_ms']:.1f} / {ref['ranking']['p99_ms']:.1f} ms"
            f"{sampled} "
            f"| {ratio(reference / s['answer']['median_ms'])} "
            f"| {ratio(reference / s['ranking']['median_ms'])} "
            f"| {s['serve_rss_mb']:,.0f} / {b['build_rss_mb']:,.0f} MB "
            f"| {ref['rss_mb']:,.0f} MB |"
        )
    return "\n".join(lines)


def plot(results: dict, path: Path) -> bool:
    """Answer latency and memory against corpus size, both engines; False without matplotlib."""
    try:
        import matplotlib
    except ImportError:
        return False
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sizes = sorted(results["sizes"], key=int)
    x = [int(s) for s in sizes]
    rows = [results["sizes"][s] for s in sizes]
    fig, (latency, memory) = plt.subplots(1, 2, figsize=(11, 4.2))
    for (engine, what, stat), style, label in [
        (("serve", "answer", "median_ms"), "o-", "engine: full answer (median)"),
        (("serve", "answer", "p99_ms"), "o:", "engine: full answer (p99)"),
        (("serve", "ranking", "median_ms"), "s-", "engine: ranking (median)"),
        (("rank-bm25", "ranking", "median_ms"), "^-", "rank-bm25: ranking (median)"),
    ]:
        latency.plot(x, [r[engine][what][stat] for r in rows], style, label=label)
    latency.set(xscale="log", yscale="log", xlabel="passages", ylabel="ms per question",
                title="Latency")
    memory.plot(x, [r["serve"]["serve_rss_mb"] for r in rows], "o-", label="engine: serving from cache")
    memory.plot(x, [r["build"]["build_rss_mb"] for r in rows], "o:", label="engine: building")
    memory.plot(x, [r["rank-bm25"]["rss_mb"] for r in rows], "^-", label="rank-bm25")
    memory.set(xscale="log", yscale="log", xlabel="passages", ylabel="peak RSS (MB)",
               title="Memory")
    for ax in (latency, memory):
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    return True


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=SIZES)
    parser.add_argument("--data", type=Path, default=DATA, help="where corpora and caches go")
    parser.add_argument("--out", type=Path, default=RESULTS_DIR,
                        help="folder of results.json and retrieval.png (default: "
                        "benchmarks/results/)")
    parser.add_argument("--budget", type=float, default=120.0,
                        help="seconds of rank-bm25 queries per size (at least 10 questions)")
    parser.add_argument("--child", choices=["build", "serve", "rank-bm25"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.sizes[0], args.data, args.budget)))
        return

    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / RESULTS
    results = json.loads(path.read_text()) if path.exists() else {"sizes": {}}
    results["machine"] = machine()
    for size in args.sizes:
        results["sizes"][str(size)] = measure(size, args.data, args.budget)
        path.write_text(json.dumps(results, indent=1) + "\n")
    results["seed"] = run_seed()
    path.write_text(json.dumps(results, indent=1) + "\n")
    print(table(results))
    print(f"\nseed article, process start to first answer: {results['seed']['first_answer_s']:.2f} s")
    print(f"machine: {results['machine']}")
    print(f"results: {path}")
    print(f"plot: {args.out / PLOT}" if plot(results, args.out / PLOT)
          else "no plot: matplotlib is not installed")


if __name__ == "__main__":
    main()
