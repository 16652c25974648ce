"""Questions as users type them: without accents, and with one typo. Writes the set that
`python -m bot eval --typed` (PIAF) and `--dev` (the seed article) read.

Users type questions on a phone, "often without accents or with typos" (issue 16). Each
question gets both, the same way every run (a random generator seeded by the question itself):
- every accent dropped (« Qui a signé la lettre ? » → « Qui a signe la lettre ? »), as most
  users type;
- one typo in one of its content words (not a stop or question word, letters only) of at least
  MIN_WORD_LETTERS letters, chosen at random, of one of the commonest kinds (Damerau's four,
  with a doubled letter typed once or twice, French's commonest slip): a letter dropped,
  doubled, a doubled letter typed once, two neighbours swapped, a letter replaced by one of
  its neighbours on a French (AZERTY) keyboard. The word's first letter is never touched:
  typists rarely get it wrong (Pollock and Zamora, 1983: about 7% of misspellings). A
  question without such a word keeps only its accents dropped.

PIAF's questions are never written into the project: the set of its held-out articles
(`evaluation.held_out`, never trained on) goes to a file of yours, one JSON object a line
(`piaf`: the question's number, `question`: as typed, `typo`: its kind), as for
`--translated`; the project's own dev questions go to tests/data/dev_typed.jsonl.

    .venv/bin/python benchmarks/typed_questions.py --squad ../shared/eval/piaf-v1.0.json \\
        /tmp/piaf_typed.jsonl
    .venv/bin/python benchmarks/typed_questions.py --dev tests/data/dev.jsonl \\
        tests/data/dev_typed.jsonl
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from retrieval.evaluation import held_out, load_squad  # noqa: E402
from retrieval.text.analysis import QUESTION_ANALYZER, remove_accents  # noqa: E402
from retrieval.text.spelling import AZERTY, neighbours  # noqa: E402

# The seed of every question's generator (with the question's text): change it for another set.
SEED = 16
# The shortest word given a typo: a typo in a short word is often another word (« mort »,
# « mont »), which no speller can tell.
MIN_WORD_LETTERS = 5
KINDS = ("dropped", "doubled", "undoubled", "swapped", "neighbour")
# A letter's neighbours on a French keyboard, as the speller knows them (it knows QWERTY's too).
NEIGHBOURS = neighbours((AZERTY,))


def typo(word: str, rng: random.Random) -> tuple[str, str] | None:
    """The word with one typo of a kind it allows, chosen at random, and the kind; never its
    first letter. None when it allows none."""
    spots = {
        "dropped": list(range(1, len(word))),
        "doubled": list(range(1, len(word))),
        "undoubled": [i for i in range(1, len(word)) if word[i] == word[i - 1]],
        "swapped": [i for i in range(1, len(word) - 1) if word[i] != word[i + 1]],
        "neighbour": [i for i in range(1, len(word)) if word[i].casefold() in NEIGHBOURS],
    }
    kinds = [k for k in KINDS if spots[k]]
    if not kinds:
        return None
    kind = rng.choice(kinds)
    i = rng.choice(spots[kind])
    if kind in ("dropped", "undoubled"):
        return word[:i] + word[i + 1:], kind
    if kind == "doubled":
        return word[:i] + word[i] + word[i:], kind
    if kind == "swapped":
        return word[:i] + word[i + 1] + word[i] + word[i + 2:], kind
    key = rng.choice(NEIGHBOURS[word[i].casefold()])
    return word[:i] + (key.upper() if word[i].isupper() else key) + word[i + 1:], kind


def typed(question: str) -> tuple[str, str]:
    """The question as a user types it: without accents, one content word mistyped; and the
    typo's kind ("" when no word has room for one)."""
    bare = remove_accents(question)
    rng = random.Random(f"{SEED}:{question}")
    spans = [(t.start, t.end) for t in QUESTION_ANALYZER(bare)  # l'armee: armee
             if bare[t.start:t.end].isalpha() and t.end - t.start >= MIN_WORD_LETTERS]
    if not spans:
        return bare, ""
    start, end = rng.choice(spans)
    mistyped = typo(bare[start:end], rng)
    if mistyped is None:
        return bare, ""
    return bare[:start] + mistyped[0] + bare[end:], mistyped[1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--squad", type=Path, help="SQuAD-format set: its held-out questions")
    source.add_argument("--dev", type=Path, help="JSON lines: question, expected")
    parser.add_argument("out", type=Path)
    args = parser.parse_args()
    rows = []
    if args.squad:
        _, questions = load_squad(args.squad)
        for n, q in enumerate(questions):
            if held_out(q.document):
                question, kind = typed(q.question)
                rows.append({"piaf": n, "question": question, "typo": kind})
    else:
        for line in args.dev.read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                rows.append({**row, "question": typed(row["question"])[0]})
    args.out.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows),
                        encoding="utf-8")
    print(f"{len(rows)} questions written to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
