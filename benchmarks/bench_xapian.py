"""Memory index against Xapian (local databases, and three xapian-tcpsrv shards on 127.0.0.1),
on the generated corpora of corpus.py: build time, disk size, start-up, the bot's peak RSS,
full answer median/p99 and how often the first quote is the memory index's.

    .venv/bin/python benchmarks/bench_xapian.py --sizes 100000 1000000
    .venv/bin/python benchmarks/bench_xapian.py --sizes 10000000 --xapian-only --copies-of 1000000

With --copies-of N, the Xapian databases of SIZE passages are N's shards, each repeated
SIZE/N times by xapian-compact (minutes, where indexing 10M generated passages takes hours on 2
cores): postings as long as SIZE passages', the same vocabulary, answers quoted from N's
corpus; build time is then N's times SIZE/N (indexing is linear: it reads one article at a time).

Each measurement runs in a fresh process (its own peak RSS). Xapian databases are built once
under .cache/bench/xapian-SIZE (3 shards) with `python -m bot index`, and the build's time is
kept beside them; the memory store goes to .cache/bench/memory-SIZE. Results are merged into
xapian.json of the results folder (`--out`, by default benchmarks/results/, git-ignored; `--out
benchmarks` updates the figures BENCHMARKS.md shows) and printed as BENCHMARKS.md's table.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import socket
import threading
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.corpus import ensure_corpus  # noqa: E402

DATA = ROOT / ".cache" / "bench"
# Where a run writes, unless told: not over the tracked results BENCHMARKS.md shows.
RESULTS_DIR = ROOT / "benchmarks" / "results"
RESULTS = "xapian.json"
SHARDS = 3


def disk_mb(path: Path) -> float:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 2**20


def child(mode: str, size: int, databases: str) -> dict:
    """Start an engine as the bot does, then answer every question twice (warm-up, timed):
    the corpus of that size's, or of the corpus its databases copy."""
    from retrieval import AnswerEngine, IndexStore

    folder, questions = ensure_corpus(DATA, size)
    store = IndexStore("memory", DATA / f"memory-{size}") if mode == "memory" else \
        IndexStore("xapian", databases=tuple(databases.split(",")))
    started = time.perf_counter()
    engine = AnswerEngine.from_folder(folder, store)
    startup = time.perf_counter() - started
    for q in questions:
        engine.answer(q)
    latencies, firsts = [], []
    for q in questions:
        t = time.perf_counter()
        answer = engine.answer(q)
        latencies.append(time.perf_counter() - t)
        first = answer.excerpts[0].source if answer.excerpts else None
        firsts.append([first.document, first.start, first.end] if first else None)
    return {"startup_s": startup, "median_ms": float(np.median(latencies) * 1e3),
            "p99_ms": float(np.percentile(latencies, 99) * 1e3),
            "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "firsts": firsts}


def run_child(mode: str, size: int, databases: str = "") -> dict:
    out = subprocess.run([sys.executable, __file__, "--child", mode, str(size), databases],
                         check=True, capture_output=True, text=True).stdout
    return json.loads(out.splitlines()[-1])


def build_memory(size: int) -> dict:
    """Index into an empty store, in a fresh process (time and peak RSS)."""
    store = DATA / f"memory-{size}"
    if store.exists():
        subprocess.run(["rm", "-rf", str(store)], check=True)
    folder, _ = ensure_corpus(DATA, size)
    code = ("import time,resource; from retrieval import AnswerEngine, IndexStore; "
            f"t=time.perf_counter(); AnswerEngine.from_folder({str(folder)!r}, "
            f"IndexStore('memory', __import__('pathlib').Path({str(store)!r}))); "
            "print(time.perf_counter()-t, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss/1024)")
    seconds, rss = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True,
                                  text=True, cwd=ROOT).stdout.split()
    return {"build_s": float(seconds), "build_rss_mb": float(rss), "disk_mb": disk_mb(store)}


def build_xapian(size: int, copies_of: int | None = None) -> dict:
    """The 3-shard Xapian databases, built once (the build's numbers are kept beside them)."""
    directory = DATA / f"xapian-{size}"
    stamp = DATA / f"xapian-{size}.json"
    if copies_of and not stamp.exists():
        source = build_xapian(copies_of)
        shutil.rmtree(directory, ignore_errors=True)
        directory.mkdir(parents=True)
        started = time.perf_counter()
        for i in range(SHARDS):
            shard = str(DATA / f"xapian-{copies_of}" / f"shard-{i}")
            subprocess.run(["xapian-compact", "--no-full", *[shard] * (size // copies_of),
                            str(directory / f"shard-{i}")], check=True, capture_output=True)
        stamp.write_text(json.dumps({"build_s": source["build_s"] * size / copies_of,
                                     "estimated": True,
                                     "compact_s": time.perf_counter() - started}))
    if not stamp.exists():
        folder, _ = ensure_corpus(DATA, size)
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "bot", "index", "--xapian", str(directory),
                        "--shards", str(SHARDS), "--corpus", str(folder)], check=True, cwd=ROOT)
        stamp.write_text(json.dumps({"build_s": time.perf_counter() - started}))
    return {**json.loads(stamp.read_text()), "disk_mb": disk_mb(directory)}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve_remote(size: int, corpus: int) -> dict:
    """Three xapian-tcpsrv on 127.0.0.1, one per shard, for one serving run."""
    directory = DATA / f"xapian-{size}"
    ports = [free_port() for _ in range(SHARDS)]
    servers = [subprocess.Popen(["xapian-tcpsrv", "--interface", "127.0.0.1", "--port", str(p),
                                 str(directory / f"shard-{i}")],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                # xapian-tcpsrv ends its whole process group when it stops
                                start_new_session=True)
               for i, p in enumerate(ports)]
    peak, done = [0.0], threading.Event()

    def watch() -> None:  # the servers' forks serve the connections: sample them as they run
        while not done.wait(0.1):
            peak[0] = max(peak[0], sum(_rss_mb(s.pid) for s in servers))

    watcher = threading.Thread(target=watch)
    try:
        time.sleep(1)
        watcher.start()
        result = run_child("xapian", corpus, ",".join(f"tcp://127.0.0.1:{p}" for p in ports))
        result["servers_rss_mb"] = peak[0]
        return result
    finally:
        done.set()
        if watcher.is_alive():
            watcher.join()
        for s in servers:
            s.terminate()
            s.wait()


def _rss_mb(pid: int) -> float:
    """A process's RSS now, with its children's (xapian-tcpsrv forks one per connection)."""
    total = 0.0
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        for p in [pid, *map(int, children)]:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) / 1024
    except OSError:  # a fork that just ended
        pass
    return total


def same_first(a: list, b: list) -> float:
    return sum(x == y for x, y in zip(a, b)) / len(a)


def measure(size: int, xapian_only: bool, copies_of: int | None) -> dict:
    row: dict = {"xapian_build": build_xapian(size, copies_of)}
    if copies_of:
        row["copies_of"] = copies_of
    corpus = copies_of or size
    shards = ",".join(str(DATA / f"xapian-{size}" / f"shard-{i}") for i in range(SHARDS))
    row["xapian_local"] = run_child("xapian", corpus, shards)
    row["xapian_remote"] = serve_remote(size, corpus)
    if not xapian_only:
        row["memory_build"] = build_memory(size)
        row["memory"] = run_child("memory", size)
        for mode in ("xapian_local", "xapian_remote"):
            row[mode]["same_first"] = same_first(row[mode]["firsts"], row["memory"]["firsts"])
    row["remote_same_as_local"] = same_first(row["xapian_remote"]["firsts"],
                                             row["xapian_local"]["firsts"])
    for mode in ("memory", "xapian_local", "xapian_remote"):
        row.get(mode, {}).pop("firsts", None)
    return row


def answers_compared(squad: Path) -> dict:
    """PIAF (or any SQuAD-format set) answered from the memory index and from Xapian: what
    Xapian's idf (common terms weigh more) does to answers on real articles."""
    from retrieval.evaluation import evaluate_dev, evaluate_squad, load_dev, load_squad
    from retrieval import AnswerEngine, IndexStore, build_xapian

    documents, questions = load_squad(squad)
    folder = DATA / "squad"
    folder.mkdir(parents=True, exist_ok=True)
    for d in documents:
        (folder / f"{d.id}.txt").write_text(d.text, encoding="utf-8")
    results = {}
    for name, corpus, evaluate, asked in (
            ("piaf", folder, evaluate_squad, questions),
            ("dev", ROOT / "seeds", evaluate_dev, load_dev(ROOT / "tests" / "data" / "dev.jsonl"))):
        build_xapian(DATA / f"xapian-{name}", corpus)
        for backend, store in (("memory", IndexStore(cache_dir=DATA / "memory-squad")),
                               ("xapian", IndexStore("xapian", databases=(
                                   str(DATA / f"xapian-{name}" / "shard-0"),)))):
            report = evaluate(AnswerEngine.from_folder(corpus, store), asked)
            results[f"{name} {backend}"] = report.lines()
    return results


def table(results: dict) -> str:
    lines = ["| passages | index | build | disk | start-up | bot RSS | answer median / p99 | "
             "same first quote as memory |", "|---:|---|---:|---:|---:|---:|---:|---:|"]
    for size, row in sorted(results.items(), key=lambda kv: int(kv[0])):
        n = f"{int(size):,}"
        if "memory" in row:
            m, b = row["memory"], row["memory_build"]
            lines.append(f"| {n} | memory | {b['build_s']:.0f} s | {b['disk_mb']:,.0f} MB | "
                         f"{m['startup_s']:.2f} s | {m['rss_mb']:,.0f} MB | "
                         f"{m['median_ms']:.2f} / {m['p99_ms']:.2f} ms | — |")
        b = row["xapian_build"]
        for mode, name in (("xapian_local", "Xapian, 3 local shards"),
                           ("xapian_remote", "Xapian, 3 xapian-tcpsrv on 127.0.0.1")):
            x = row[mode]
            build = f"{b['build_s']:.0f} s" if mode == "xapian_local" else "(same)"
            if b.get("estimated") and mode == "xapian_local":
                build = f"≈ {b['build_s']:.0f} s (10 × 1M; copied by xapian-compact in " \
                        f"{b['compact_s']:.0f} s)"
            disk = f"{b['disk_mb']:,.0f} MB" if mode == "xapian_local" else "(same)"
            rss = f"{x['rss_mb']:,.0f} MB"
            if "servers_rss_mb" in x:
                rss += f" + servers {x['servers_rss_mb']:,.0f} MB"
            same = f"{x['same_first']:.1%}" if "same_first" in x else \
                f"{row['remote_same_as_local']:.0%} as local" if mode == "xapian_remote" else "—"
            lines.append(f"| {n} | {name} | {build} | {disk} | {x['startup_s']:.2f} s | {rss} | "
                         f"{x['median_ms']:.2f} / {x['p99_ms']:.2f} ms | {same} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--xapian-only", action="store_true", help="no memory index (10M)")
    parser.add_argument("--copies-of", type=int, help="Xapian databases made of this size's "
                        "shards repeated (see above)")
    parser.add_argument("--squad", type=Path, help="compare answers on this SQuAD-format set "
                        "(PIAF: ../shared/eval/piaf-v1.0.json) and on the dev questions")
    parser.add_argument("--out", type=Path, default=RESULTS_DIR,
                        help="folder of xapian.json (default: benchmarks/results/)")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.squad:
        for name, lines in answers_compared(args.squad).items():
            print(name, *lines, sep="\n  ")
        return
    if args.child:
        mode, size, databases = args.child
        print(json.dumps(child(mode, int(size), databases)))
        return
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / RESULTS
    results = json.loads(path.read_text()) if path.exists() else {}
    for size in args.sizes:
        results[str(size)] = measure(size, args.xapian_only, args.copies_of)
        path.write_text(json.dumps(results, indent=1) + "\n")
        print(table({str(size): results[str(size)]}), flush=True)
    print(table(results))


if __name__ == "__main__":
    os.chdir(ROOT)
    main()
