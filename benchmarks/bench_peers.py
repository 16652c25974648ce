"""This engine beside its peers, in one run, on the same generated corpus and the same questions
(issue 17): its ranking alone and its full answer (memory index, and Xapian through the
engine), tantivy, bm25s and Xapian used directly, and rank-bm25 on request.

    .venv/bin/pip install -e '.[peers]'          # tantivy, bm25s, numba (a peer missing is skipped)
    .venv/bin/python benchmarks/bench_peers.py --squad ../shared/eval/piaf-v1.0.json
    .venv/bin/python benchmarks/bench_peers.py --passages 10000 --questions 500   # a minute

For each system, in fresh processes (each peak RSS its own):
- build: read and parse the articles (the engine's parser for every system, so that all index
  the same passages: each paragraph with its article's title), index them, save the index;
  build time, peak RSS, size on disk;
- serve: open the saved index (start-up; for this engine "+ N s" is what the bot does next as
  it starts: its example question answered once, which loads the language data), then answer
  every question once, in order: distinct questions, no warm-up pass, so that no answer is
  timed from a cache the same question filled; p50 / p95 per question, the process's peak RSS;
- quality (with --squad, PIAF): every article of the set indexed together, one passage per
  paragraph; hit@1 is the share of questions whose first passage (for the full answer: the
  first excerpt's paragraph) is the paragraph the question was written on. The shipped window
  ranker was trained on PIAF: its full-answer figure is not on unseen articles, the rankings'
  are.

Every system returns the CANDIDATE_PASSAGES (6) best passages for a question; each analyses the
question itself within the timing (its tokenizer, stemmer and stop words; the engine its own
question parsing, translation and spelling included). "search only" times the engine's index
given the terms already parsed. Results go to peers.json of the results folder (`--out`, by
default benchmarks/results/, git-ignored) and the table is printed as Markdown.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import resource
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.corpus import ensure_corpus  # noqa: E402

DATA = ROOT / ".cache" / "bench"
RESULTS_DIR = ROOT / "benchmarks" / "results"
RESULTS = "peers.json"
PASSAGES = 100_000
QUESTIONS = 2_000
# rank-bm25 scores every passage in Python (about half a second a question at 100k): this many
# questions of the set are enough for its median.
RANK_BM25_QUESTIONS = 50
# Words longer than this are not words (tantivy's usual limit).
LONGEST_TOKEN = 40
# Xapian's BM25 as the engine's: k1 1.5, k2 0, k3 1, b 0.75, min_normlen 0.
XAPIAN_BM25 = (1.5, 0.0, 1.0, 0.75, 0.0)


def k_passages() -> int:
    from retrieval.engine import CANDIDATE_PASSAGES
    return CANDIDATE_PASSAGES


# --- the passages every system indexes ----------------------------------------------------

def corpus_passages(folder: Path) -> list[str]:
    """Every passage of the corpus folder as the engine indexes it (title and paragraph), in
    the engine's order: passage r is the r-th of this list."""
    from retrieval.articles.documents import load_corpus
    from retrieval.index.contract import indexed_text
    return [indexed_text(d, p) for d in load_corpus(folder) for p in d.paragraphs]


def squad_set(path: Path) -> tuple[list, list[tuple[str, tuple[str, int]]]]:
    """PIAF's documents and, for each question, the passage it was written on (document id,
    paragraph number)."""
    from retrieval.evaluation import load_squad
    documents, _ = load_squad(path)
    data = json.loads(path.read_text(encoding="utf-8"))["data"]
    asked = []
    for document, article in zip(documents, data):
        numbers = {p.text: p.number for p in document.paragraphs}
        for paragraph in article["paragraphs"]:
            context = re.sub(r"\n\s*\n", "\n", paragraph["context"].strip())
            for qa in paragraph["qas"]:
                if context in numbers:
                    asked.append((qa["question"], (document.id, numbers[context])))
    return documents, asked


# --- the systems: each builds from passages, opens what it saved, ranks a question ----------

class Peer:
    """A retrieval system: index passages into a folder, open it again, the k best passage
    numbers for a question."""

    name = ""
    returns = "passages"

    def build(self, passages: list[str], folder: Path) -> None:
        raise NotImplementedError

    def open(self, folder: Path) -> None:
        raise NotImplementedError

    def rank(self, question: str, k: int) -> list[int]:
        raise NotImplementedError


class Tantivy(Peer):
    """tantivy (Rust, Lucene-like) with a French chain: lower case, stop words, stemmer."""

    name = "tantivy"

    def _analyzer(self):
        import tantivy
        return (tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
                .filter(tantivy.Filter.remove_long(LONGEST_TOKEN))
                .filter(tantivy.Filter.lowercase())
                .filter(tantivy.Filter.stopword("french"))
                .filter(tantivy.Filter.stemmer("french")).build())

    def build(self, passages: list[str], folder: Path) -> None:
        import tantivy
        schema = (tantivy.SchemaBuilder()
                  .add_text_field("body", stored=False, tokenizer_name="fr")
                  .add_unsigned_field("id", stored=True).build())
        index = tantivy.Index(schema, path=str(folder))
        index.register_tokenizer("fr", self._analyzer())
        writer = index.writer()  # its own thread count, from the machine's cores
        for n, text in enumerate(passages):
            writer.add_document(tantivy.Document(body=text, id=n))
        writer.commit()
        writer.wait_merging_threads()

    def open(self, folder: Path) -> None:
        import tantivy
        self.index = tantivy.Index.open(str(folder))
        self.index.register_tokenizer("fr", self._analyzer())
        self.searcher = self.index.searcher()

    def rank(self, question: str, k: int) -> list[int]:
        query, _ = self.index.parse_query_lenient(question, ["body"])
        hits = self.searcher.search(query, k).hits
        return [self.searcher.doc(address)["id"][0] for _, address in hits]


class BM25S(Peer):
    """bm25s (numpy sparse matrices, numba when installed) with PyStemmer's French stemmer and
    its French stop words."""

    name = "bm25s"

    def __init__(self) -> None:
        import Stemmer
        self.stemmer = Stemmer.Stemmer("french")
        try:
            import numba  # noqa: F401
            self.backend = "numba"
        except ImportError:
            self.backend = "numpy"
        self.name = f"bm25s ({self.backend})"

    def _tokens(self, texts):
        import bm25s
        return bm25s.tokenize(texts, stopwords="fr", stemmer=self.stemmer, return_ids=False,
                              show_progress=False)

    def build(self, passages: list[str], folder: Path) -> None:
        import bm25s
        retriever = bm25s.BM25(k1=1.5, b=0.75, backend=self.backend)
        retriever.index(bm25s.tokenize(passages, stopwords="fr", stemmer=self.stemmer,
                                       show_progress=False), show_progress=False)
        retriever.save(str(folder))

    def open(self, folder: Path) -> None:
        import bm25s
        self.retriever = bm25s.BM25.load(str(folder), mmap=True, show_progress=False)
        if self.backend == "numba":
            self.retriever.backend = "numba"
            self.retriever.activate_numba_scorer()
        self.known = self.retriever.vocab_dict
        # numba compiles its scorer at the first call (seconds): part of starting, not of the
        # first question; a query of one known term, none of the benchmark's.
        self.retriever.retrieve([[next(iter(self.known))]], k=1, show_progress=False,
                                n_threads=1)

    def rank(self, question: str, k: int) -> list[int]:
        tokens = [t for t in self._tokens(question)[0] if t in self.known]
        if not tokens:
            return []
        k = min(k, self.retriever.scores["num_docs"])
        found, scores = self.retriever.retrieve([tokens], k=k, show_progress=False, n_threads=1)
        return [int(d) for d, s in zip(found[0], scores[0]) if s > 0]


class Xapian(Peer):
    """Xapian's own French stemmer and the engine's French stop list, BM25 as the engine's."""

    name = "Xapian directly"

    def _stopper(self):
        import xapian

        from retrieval.text.analysis import FRENCH_STOP_WORDS
        stopper = xapian.SimpleStopper()
        for word in FRENCH_STOP_WORDS:
            stopper.add(word)
        return stopper

    def build(self, passages: list[str], folder: Path) -> None:
        import xapian
        db = xapian.WritableDatabase(str(folder), xapian.DB_CREATE_OR_OVERWRITE)
        generator = xapian.TermGenerator()
        generator.set_stemmer(xapian.Stem("french"))
        generator.set_stemming_strategy(xapian.TermGenerator.STEM_ALL)
        self.stopper_ = self._stopper()  # the generator keeps a pointer to it
        generator.set_stopper(self.stopper_)
        for text in passages:
            document = xapian.Document()
            generator.set_document(document)
            generator.index_text(text)
            db.add_document(document)  # document numbers from 1, in order
        db.commit()
        db.close()

    def open(self, folder: Path) -> None:
        import xapian
        self.db = xapian.Database(str(folder))
        self.parser = xapian.QueryParser()
        self.parser.set_stemmer(xapian.Stem("french"))
        self.parser.set_stemming_strategy(xapian.QueryParser.STEM_ALL)
        self.stopper_ = self._stopper()
        self.parser.set_stopper(self.stopper_)
        self.parser.set_default_op(xapian.Query.OP_OR)
        self.enquire = xapian.Enquire(self.db)
        self.enquire.set_weighting_scheme(xapian.BM25Weight(*XAPIAN_BM25))

    def rank(self, question: str, k: int) -> list[int]:
        self.enquire.set_query(self.parser.parse_query(question))
        return [item.docid - 1 for item in self.enquire.get_mset(0, k)]


class RankBM25(Peer):
    """rank-bm25 (pure Python) over the engine's analysed terms: the reference its scores are
    tested against. It keeps no index on disk: "open" builds it again."""

    name = "rank-bm25"

    def build(self, passages: list[str], folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "passages.json").write_text(json.dumps(passages), encoding="utf-8")

    def open(self, folder: Path) -> None:
        from retrieval.index.memory import LuceneBM25
        from retrieval.text.analysis import DOCUMENT_ANALYZER, QUESTION_ANALYZER
        passages = json.loads((folder / "passages.json").read_text(encoding="utf-8"))
        self.bm25 = LuceneBM25([DOCUMENT_ANALYZER.terms(p) for p in passages])
        self.question = QUESTION_ANALYZER

    def rank(self, question: str, k: int) -> list[int]:
        scores = self.bm25.get_scores(self.question.terms(question))
        top = np.argpartition(-scores, k)[:k]
        return [int(i) for i in top[np.argsort(-scores[top], kind="stable")] if scores[i] > 0]


class Engine(Peer):
    """This project's engine: `mode` "rank" (question parsed and spelled as the engine does,
    then its index's best passages) or "answer" (AnswerEngine.answer: the excerpts); `backend`
    "memory" or "xapian" (one local shard)."""

    def __init__(self, mode: str, backend: str) -> None:
        self.mode, self.backend = mode, backend
        where = "memory index" if backend == "memory" else "Xapian, 1 shard"
        self.name = f"this engine, {where}: " + ("ranking" if mode == "rank" else "full answer")
        self.returns = "passages" if mode == "rank" else "excerpts"

    def _store(self, folder: Path):
        from retrieval import IndexStore
        if self.backend == "memory":
            return IndexStore("memory", cache_dir=folder)
        return IndexStore("xapian", databases=(str(folder / "shard-0"),))

    def build_folder(self, corpus: Path, folder: Path) -> None:
        """Index the corpus folder as the bot does (its own parsing and storing)."""
        if self.backend == "memory":
            from retrieval import AnswerEngine
            AnswerEngine.from_folder(corpus, self._store(folder))
        else:
            from retrieval.index.backends import build_xapian
            build_xapian(folder, corpus, 1)

    def open_folder(self, corpus: Path, folder: Path) -> None:
        from retrieval import AnswerEngine
        self.engine = AnswerEngine.from_folder(corpus, self._store(folder))
        self._parse_query()

    def warm(self) -> None:
        """What the bot does next when it starts (bot/telegram/app.py, `post_init`): its
        example question answered once, which loads the language data (wordfreq's lists)
        before the first user's question."""
        from bot.messages import text
        self.engine.answer(text("example"))

    def open_documents(self, documents: list) -> None:
        from retrieval import AnswerEngine
        self.engine = AnswerEngine(documents)
        self._parse_query()

    def _parse_query(self) -> None:
        """The question parser, imported once (in `terms`, an import statement cost each
        question 0.6 µs of Python finding the module again, which no bot pays)."""
        from retrieval.answer.question import parse_query
        self.parse_query = parse_query

    def terms(self, question: str) -> dict[str, float]:
        """The question's weighted terms, as the engine searches them."""
        return self.engine._respelled(self.parse_query(question, self.engine.dictionary))[0]

    def search(self, boosts: dict[str, float], k: int) -> list[tuple[str, int]]:
        return [(m.document, m.paragraph)
                for m in self.engine.index.search(list(boosts), k, weights=boosts)]

    def passages(self, question: str, k: int) -> list[tuple[str, int]]:
        """The question's best passages (ranking) or its quotes' (full answer: the excerpts,
        or the nearest passages when it is not sure), by document id and paragraph number."""
        if self.mode == "rank":
            boosts = self.terms(question)
            return self.search(boosts, k) if boosts else []
        answer = self.engine.answer(question)
        # The quotes shown, whether they answer or are only the nearest (answerability's
        # call is not retrieval's quality).
        return [(e.source.document, e.source.paragraph)
                for e in answer.excerpts or answer.nearest]


def peers(with_rank_bm25: bool) -> dict[str, Callable[[], Peer]]:
    """Every system by its short name, as a maker (a peer's import fails when it is missing)."""
    made: dict[str, Callable[[], Peer]] = {
        "engine-rank": lambda: Engine("rank", "memory"),
        "engine-answer": lambda: Engine("answer", "memory"),
        "engine-xapian-answer": lambda: Engine("answer", "xapian"),
        "tantivy": Tantivy,
        "bm25s": BM25S,
        "xapian": Xapian,
    }
    if with_rank_bm25:
        made["rank-bm25"] = RankBM25
    return made


# Where each peer comes from, for the message when it is missing.
REQUIRES = {"tantivy": "tantivy", "bm25s": "bm25s", "xapian": "xapian",
            "engine-xapian-answer": "xapian"}


def missing(system: str) -> str | None:
    """The module a system needs that is not installed, if any."""
    module = REQUIRES.get(system)
    if module is None:
        return None
    import importlib.util
    return None if importlib.util.find_spec(module) else module


# --- measurements, each in a fresh process -------------------------------------------------

def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def disk_mb(path: Path) -> float:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 2**20


def percentiles(latencies: list[float]) -> dict[str, float]:
    ms = np.array(latencies) * 1e3
    return {"p50_ms": float(np.percentile(ms, 50)), "p95_ms": float(np.percentile(ms, 95)),
            "mean_ms": float(ms.mean())}


def index_folder(system: str) -> str:
    """The folder of a system's saved index: the engine's ranking and full answer share one."""
    return {"engine-rank": "engine-memory", "engine-answer": "engine-memory"}.get(system, system)


def build(system: str, corpus: Path, work: Path, with_rank_bm25: bool) -> dict:
    folder = work / index_folder(system)
    shutil.rmtree(folder, ignore_errors=True)
    made = peers(with_rank_bm25)[system]()
    started = time.perf_counter()
    if isinstance(made, Engine):
        made.build_folder(corpus, folder)
    else:
        folder.mkdir(parents=True)
        made.build(corpus_passages(corpus), folder)
    return {"build_s": time.perf_counter() - started, "build_rss_mb": peak_rss_mb(),
            "disk_mb": disk_mb(folder)}


def serve(system: str, corpus: Path, work: Path, questions: list[str],
          with_rank_bm25: bool) -> dict:
    folder = work / index_folder(system)
    made = peers(with_rank_bm25)[system]()
    k = k_passages()
    started = time.perf_counter()
    if isinstance(made, Engine):
        made.open_folder(corpus, folder)
    else:
        made.open(folder)
    startup = time.perf_counter() - started
    warm = 0.0
    if isinstance(made, Engine):
        started = time.perf_counter()
        made.warm()
        warm = time.perf_counter() - started
    if isinstance(made, RankBM25):
        questions = questions[:RANK_BM25_QUESTIONS]
    ask: Callable[[str], object] = (
        (lambda q: made.passages(q, k)) if isinstance(made, Engine) else (lambda q: made.rank(q, k)))
    latencies, found = [], 0
    for question in questions:
        t = time.perf_counter()
        result = ask(question)
        latencies.append(time.perf_counter() - t)
        found += bool(result)
    row = {"startup_s": startup, "warm_s": warm, "questions": len(questions), "found": found,
           **percentiles(latencies), "serve_rss_mb": peak_rss_mb()}
    if isinstance(made, Engine) and made.mode == "rank":  # the index alone, terms given
        terms = [made.terms(q) for q in questions]
        alone = []
        for boosts in terms:
            t = time.perf_counter()
            made.search(boosts, k)
            alone.append(time.perf_counter() - t)
        row["search_only"] = percentiles(alone)
    return row


def quality(system: str, squad: Path, work: Path, with_rank_bm25: bool) -> dict:
    """hit@1 of the paragraph a PIAF question was written on."""
    from retrieval.index.contract import indexed_text
    documents, asked = squad_set(squad)
    made = peers(with_rank_bm25)[system]()
    if isinstance(made, Engine):
        if made.backend != "memory":
            return {}
        made.open_documents(documents)
        firsts = [made.passages(q, 1)[:1] for q, _ in asked]
    else:
        keys = [(d.id, p.number) for d in documents for p in d.paragraphs]
        folder = work / f"{system}-squad"
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        made.build([indexed_text(d, p) for d in documents for p in d.paragraphs], folder)
        made.open(folder)
        firsts = [[keys[n] for n in made.rank(q, 1)[:1]] for q, _ in asked]
    hits = sum(first == [expected] for first, (_, expected) in zip(firsts, asked))
    return {"squad_questions": len(asked), "hit_at_1": hits / max(len(asked), 1)}


def child(args: argparse.Namespace) -> dict:
    phase, system = args.child
    corpus, questions = ensure_corpus(args.data, args.passages, questions=args.questions)
    questions = list(dict.fromkeys(questions))  # distinct
    work = args.data / f"peers-{args.passages}"
    if phase == "build":
        return build(system, corpus, work, args.rank_bm25)
    if phase == "serve":
        return serve(system, corpus, work, questions, args.rank_bm25)
    return quality(system, args.squad, work, args.rank_bm25)


def run_child(phase: str, system: str, args: argparse.Namespace) -> dict:
    command = [sys.executable, __file__, "--child", phase, system, "--passages",
               str(args.passages), "--questions", str(args.questions), "--data", str(args.data)]
    if args.squad:
        command += ["--squad", str(args.squad)]
    if args.rank_bm25:
        command.append("--rank-bm25")
    out = subprocess.run(command, stdout=subprocess.PIPE, text=True, check=True, cwd=ROOT).stdout
    return json.loads(out.splitlines()[-1])


def machine() -> dict:
    cpu = next((line.split(":", 1)[1].strip()
                for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    return {"cpu": cpu, "cores": os.cpu_count(), "python": platform.python_version()}


def commit() -> str:
    return subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, text=True,
                          capture_output=True).stdout.strip()


def table(results: dict) -> str:
    """The results as a Markdown table, one row per system."""
    lines = ["| system | returns | build | start-up | p50 ms | p95 ms | mean ms | serve RSS "
             "| disk | PIAF hit@1 |",
             "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for row in results["systems"].values():
        if "missing" in row:
            lines.append(f"| {row['name']} | not installed (`{row['missing']}`) "
                         "| | | | | | | | |")
            continue
        b, s = row["build"], row["serve"]
        hit = f"{row['quality']['hit_at_1']:.3f}" if row.get("quality") else "—"
        sampled = "" if s["questions"] == results["questions"] else f" ({s['questions']} q.)"
        warm = f" + {s['warm_s']:.2f} s" if s.get("warm_s") else ""
        lines.append(
            f"| {row['name']} | {row['returns']} | {b['build_s']:.1f} s | {s['startup_s']:.2f} s{warm} "
            f"| {s['p50_ms']:.2f}{sampled} | {s['p95_ms']:.2f} | {s['mean_ms']:.2f} "
            f"| {s['serve_rss_mb']:.0f} MB | {b['disk_mb']:.0f} MB | {hit} |")
        if "search_only" in s:
            alone = s["search_only"]
            lines.append(f"| this engine's index alone (terms given) | passages | (same) | "
                         f"(same) | {alone['p50_ms']:.2f} | {alone['p95_ms']:.2f} "
                         f"| {alone['mean_ms']:.2f} | (same) | (same) | |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--passages", type=int, default=PASSAGES)
    parser.add_argument("--questions", type=int, default=QUESTIONS)
    parser.add_argument("--squad", type=Path, help="a SQuAD-format set (PIAF) for hit@1")
    parser.add_argument("--systems", nargs="+", help="only these (short names)")
    parser.add_argument("--rank-bm25", action="store_true",
                        help=f"also rank-bm25, on the first {RANK_BM25_QUESTIONS} questions")
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--out", type=Path, default=RESULTS_DIR)
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.squad:
        args.squad = args.squad.resolve()
    args.data = args.data.resolve()
    if args.child:
        print(json.dumps(child(args)))
        return
    corpus, questions = ensure_corpus(args.data, args.passages, questions=args.questions)
    results: dict = {"passages": args.passages, "questions": len(set(questions)),
                     "machine": machine(), "commit": commit(), "systems": {}}
    for system, make in peers(args.rank_bm25).items():
        if args.systems and system not in args.systems:
            continue
        absent = missing(system)
        if absent:
            print(f"{system}: not measured, {absent} is not installed "
                  "(pip install -e '.[peers]' or '.[xapian]')", file=sys.stderr)
            results["systems"][system] = {"name": system, "missing": absent}
            continue
        made = make()
        row: dict = {"name": made.name, "returns": made.returns}
        built = next((r["build"] for other, r in results["systems"].items()
                      if "build" in r and index_folder(other) == index_folder(system)), None)
        if built is None:
            print(f"{system}: build…", file=sys.stderr, flush=True)
            built = run_child("build", system, args)
        row["build"] = built
        print(f"{system}: serve…", file=sys.stderr, flush=True)
        row["serve"] = run_child("serve", system, args)
        if args.squad:
            print(f"{system}: PIAF…", file=sys.stderr, flush=True)
            row["quality"] = run_child("quality", system, args)
        results["systems"][system] = row
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / RESULTS).write_text(json.dumps(results, indent=1), encoding="utf-8")
    print(f"{args.passages:,} passages, {results['questions']:,} distinct questions, "
          f"{results['machine']['cores']} cores, commit {results['commit']}\n")
    print(table(results))


if __name__ == "__main__":
    main()
