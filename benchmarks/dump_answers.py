"""Every answer of the question sets, as `ask --json` prints them, from both indexes: run it
before and after a change that must not change answers, then compare the two files.

    .venv/bin/python benchmarks/dump_answers.py --squad ../shared/eval/piaf-v1.0.json before.jsonl
    .venv/bin/python benchmarks/dump_answers.py --squad ../shared/eval/piaf-v1.0.json after.jsonl
    .venv/bin/python benchmarks/dump_answers.py --compare before.jsonl after.jsonl

The sets: the dev questions and the English ones on the seed article (tests/data), the first
--piaf questions of a SQuAD-format set (its articles written as files, indexed together), and
the questions of a generated corpus (corpus.py). Each is answered from a corpus folder through a
fresh store, as the bot answers: the memory index and, when installed, Xapian (one shard).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.corpus import ensure_corpus  # noqa: E402
from bot.terminal.render import answer_json  # noqa: E402
from retrieval import AnswerEngine, IndexStore  # noqa: E402
from retrieval.articles.files import RACY_NS  # noqa: E402
from retrieval.evaluation import load_dev, load_squad  # noqa: E402
from retrieval.index.backends import build_xapian  # noqa: E402

# PIAF questions answered: enough to touch most of its 191 articles, in about a minute.
PIAF_QUESTIONS = 500
# The generated corpus: big enough for many articles, small enough to index in seconds.
GENERATED_PASSAGES = 10_000


def question_sets(squad: Path | None, piaf: int, work: Path) -> dict[str, tuple[Path, list[str]]]:
    """Each set's corpus folder and questions."""
    dev = [q.question for name in ("dev", "english")
           for q in load_dev(ROOT / "tests" / "data" / f"{name}.jsonl")]
    sets = {"seed": (ROOT / "seeds", dev)}
    if squad is not None:
        documents, questions = load_squad(squad)
        folder = work / "piaf"
        folder.mkdir()
        for document in documents:
            (folder / f"{document.id}.txt").write_text(document.text, encoding="utf-8")
        sets["piaf"] = (folder, [q.question for q in questions[:piaf]])
    sets["generated"] = ensure_corpus(ROOT / ".cache" / "bench", GENERATED_PASSAGES)
    return sets


def engines(work: Path, name: str, folder: Path) -> dict[str, AnswerEngine]:
    """The folder's engine from a fresh memory store, and from one fresh Xapian shard when
    Xapian is installed."""
    found = {"memory": AnswerEngine.from_folder(folder, IndexStore(cache_dir=work / name))}
    if importlib.util.find_spec("xapian") is not None:
        directory = work / f"xapian-{name}"
        build_xapian(directory, folder, 1)
        found["xapian"] = AnswerEngine.from_folder(
            folder, IndexStore("xapian", databases=(str(directory / "shard-0"),)))
    return found


def dump(out: Path, squad: Path | None, piaf: int) -> None:
    with tempfile.TemporaryDirectory() as tmp, out.open("w", encoding="utf-8") as lines:
        work = Path(tmp)
        sets = question_sets(squad, piaf, work)
        # Articles written less than RACY_NS ago are read whole to be quoted (their status
        # says nothing yet): a bot's are older, and its quotes read their paragraphs alone.
        time.sleep(RACY_NS / 1e9)
        for name, (folder, questions) in sets.items():
            for backend, engine in engines(work, name, folder).items():
                for question in questions:
                    row = {"set": name, "backend": backend,
                           **answer_json(engine.answer(question))}
                    lines.write(json.dumps(row, ensure_ascii=False) + "\n")
                print(f"{name} ({backend}): {len(questions)} questions", file=sys.stderr)


def compare(before: Path, after: Path) -> bool:
    """Print how many answers of each set are identical, byte for byte; True if all are."""
    a = before.read_text(encoding="utf-8").splitlines()
    b = after.read_text(encoding="utf-8").splitlines()
    if len(a) != len(b):
        print(f"not the same questions: {len(a)} answers against {len(b)}")
        return False
    same, total = Counter(), Counter()
    for x, y in zip(a, b):
        row = json.loads(x)
        key = f"{row['set']} ({row['backend']})"
        total[key] += 1
        same[key] += x == y
        if x != y:
            print(f"differs: {key}: {row['question']}")
    for key in total:
        print(f"{key}: {same[key]} of {total[key]} identical")
    return same == total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("files", nargs="+", type=Path, help="where to write; two to compare")
    parser.add_argument("--squad", type=Path, help="a SQuAD-format set (PIAF)")
    parser.add_argument("--piaf", type=int, default=PIAF_QUESTIONS)
    parser.add_argument("--compare", action="store_true")
    args = parser.parse_args()
    if args.compare:
        sys.exit(0 if compare(*args.files) else 1)
    dump(args.files[0], args.squad, args.piaf)


if __name__ == "__main__":
    main()
