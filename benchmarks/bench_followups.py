"""Follow-up questions measured: is the first quote as often right for a follow-up read with
the question before it as for the same question asked whole?

Two sets of conversations, neither used to build the follow-up rules:
- on the seed article, a first question then a follow-up written as a person would (« Et
  qu'a-t-il dit de la lettre ? »), beside the same question asked whole;
- on PIAF (every article indexed together, as `python -m bot eval --squad` does), each pair of
  consecutive questions on one article: the second turned into a follow-up by taking out the
  words it shares with the first or with the article's title (they are what the conversation
  is about) and starting it with « Et ». Pairs whose second question loses no word, or does
  not then lean on the first, are left out.

For each follow-up: right when an expected answer is in the first excerpt (from the right
article, for PIAF), asked whole, as a follow-up after the first question's answer, and alone
(what every message as a new question gave before).

    nice .venv/bin/python benchmarks/bench_followups.py ../shared/eval/piaf-v1.0.json
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from retrieval import AnswerEngine, Previous
from retrieval.answer.followup import leans_on_previous
from retrieval.evaluation import load_squad, quotes_one_of
from retrieval.text.analysis import QUESTION_ANALYZER, tokenize

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
# (first question, follow-up, the follow-up asked whole, expected in its first quote)
SEED_CONVERSATIONS = [
    ("Qui dirige le Pentagone ?", "Et qu'a-t-il déclaré à la presse ?",
     "Qu'a déclaré le chef du Pentagone à la presse ?", ["Aucune décision n’a été prise"]),
    ("Qui a signé la lettre ?", "Et à qui a-t-elle été envoyée ?",
     "À qui la lettre a-t-elle été envoyée ?", ["commandement militaire irakien", "aux Irakiens"]),
    ("Combien de soldats américains étaient en Irak ?", "Et combien en plus dans la région ?",
     "Combien de soldats supplémentaires dans la région ?", ["3000 à 3500"]),
    ("Qui est le chef d'état-major américain ?", "Et qu'a-t-il dit de la lettre ?",
     "Qu'a dit le chef d'état-major américain de la lettre ?",
     ["non signé", "erreur commise en toute bonne foi"]),
    ("Qui a été assassiné à Bagdad ?", "Et qu'a réclamé le Parlement ensuite ?",
     "Qu'a réclamé le Parlement irakien après l'assassinat de Soleimani ?",
     ["expulsion des soldats étrangers", "expulser les troupes étrangères"]),
    ("Qu'a annoncé la lettre des Etats-Unis ?", "Pourquoi ?",
     "Pourquoi la lettre annonçait-elle le retrait ?",
     ["respecter la décision du Parlement irakien", "Par respect pour la souveraineté"]),
    ("Quelle ambassade a été attaquée ?", "Et par qui ?", "Par qui l'ambassade a-t-elle été "
     "attaquée ?", ["milliers de pro-Iran"]),
    ("Who signed the letter?", "And who was it sent to?", "Who was the letter sent to?",
     ["commandement militaire irakien", "aux Irakiens"]),
    ("Who leads the Pentagon?", "And what did he tell the press?",
     "What did the head of the Pentagon tell the press?", ["Aucune décision n’a été prise"]),
]


@dataclass(frozen=True)
class Conversation:
    first: str
    follow_up: str
    whole: str
    expected: tuple[str, ...]
    document: str | None  # the article the answer must come from (None: any)


@dataclass
class Tally:
    whole: int = 0
    follow_up: int = 0
    alone: int = 0
    count: int = 0

    def line(self, name: str) -> str:
        n = self.count or 1
        return (f"{name}: {self.count} follow-ups; first quote right: asked whole "
                f"{self.whole / n:.1%}, as a follow-up {self.follow_up / n:.1%}, alone "
                f"{self.alone / n:.1%} (follow-up - whole: "
                f"{(self.follow_up - self.whole) / n:+.3f})")


def follow_up_of(first: str, second: str, title: str) -> str | None:
    """The second question as a follow-up of the first: without the words it shares with the
    first or the title, started with « Et »; None when it loses no word or does not lean."""
    shared = set(QUESTION_ANALYZER.terms(first)) | set(QUESTION_ANALYZER.terms(title))
    words = tokenize(second)
    kept = [w.term for w in words if not (set(QUESTION_ANALYZER.terms(w.term)) & shared)]
    if len(kept) == len(words) or not kept:
        return None
    text = "Et " + " ".join([kept[0][:1].lower() + kept[0][1:], *kept[1:]]) + " ?"
    text = re.sub(r"\s+", " ", text)
    return text if leans_on_previous(text) else None


def piaf_conversations(path: Path) -> tuple[AnswerEngine, list[Conversation]]:
    documents, questions = load_squad(path)
    titles = {d.id: d.title for d in documents}
    conversations = []
    for a, b in zip(questions, questions[1:]):
        if a.document != b.document:
            continue
        follow_up = follow_up_of(a.question, b.question, titles[b.document])
        if follow_up:
            conversations.append(Conversation(a.question, follow_up, b.question, b.answers,
                                              b.document))
    return AnswerEngine(documents), conversations


def measure(engine: AnswerEngine, conversations: list[Conversation],
            progress: Callable[[int], None] = lambda n: None) -> Tally:
    tally = Tally()

    def right(question: str, c: Conversation, previous: Previous | None = None) -> bool:
        answer = engine.answer(question, 3, previous)
        return bool(answer.excerpts) and quotes_one_of(answer.excerpts[0].text,
                                                       list(c.expected)) and (
            c.document is None or answer.excerpts[0].source.document == c.document)

    for n, c in enumerate(conversations):
        previous = engine.answer(c.first).conversation
        tally.count += 1
        tally.whole += right(c.whole, c)
        tally.follow_up += right(c.follow_up, c, previous)
        tally.alone += right(c.follow_up, c)
        progress(n)
    return tally


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("piaf", type=Path, nargs="?", help="PIAF (SQuAD format) JSON file")
    parser.add_argument("--examples", type=int, default=5, help="PIAF follow-ups to print")
    args = parser.parse_args()
    seed = [Conversation(f, u, w, tuple(e), None) for f, u, w, e in SEED_CONVERSATIONS]
    missed = [c for c in seed if not leans_on_previous(c.follow_up)]
    assert not missed, f"written follow-ups that do not lean: {missed}"
    print(measure(AnswerEngine.from_folder(SEEDS), seed).line("seed article"))
    if args.piaf:
        engine, conversations = piaf_conversations(args.piaf)
        for c in conversations[:args.examples]:
            print(f"  « {c.first} » then « {c.follow_up} » (whole: « {c.whole} »)")
        print(measure(engine, conversations).line("PIAF"))


if __name__ == "__main__":
    main()
