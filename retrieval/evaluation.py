"""Measuring answers: does an expected answer appear in the excerpts?

Two sources of questions: the project's dev set (JSON lines: question, expected substrings or
null) and SQuAD-format data sets such as PIAF (every article indexed together as one corpus).
"""

from __future__ import annotations

import json
import re
import statistics
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .answer.answerability import ANSWER_QUOTES, ANSWERED
from .answer.results import Answer
from .articles.documents import Document, parse_txt
from .engine import AnswerEngine
from .text.analysis import fold_apostrophes


def fold_for_match(text: str) -> str:
    """Case, runs of white space (including no-break spaces) and apostrophes folded."""
    return re.sub(r"\s+", " ", fold_apostrophes(text)).casefold().strip()


def quotes_one_of(excerpt: str, expected: list[str]) -> bool:
    """True if the excerpt holds one of the expected substrings, after folding."""
    folded = fold_for_match(excerpt)
    return any(fold_for_match(e) in folded for e in expected)


@dataclass(frozen=True)
class SquadQuestion:
    question: str
    answers: tuple[str, ...]
    document: str


def load_squad(path: str | Path) -> tuple[list[Document], list[SquadQuestion]]:
    """Articles (one document each, one paragraph per context) and their questions."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))["data"]
    documents, questions = [], []
    for n, article in enumerate(data):
        doc_id = f"{n:03d}"
        contexts = [p["context"].strip() for p in article["paragraphs"]]
        title = article.get("title", doc_id).replace("_", " ")
        text = "\n\n".join([title, *(re.sub(r"\n\s*\n", "\n", c) for c in contexts)])
        documents.append(parse_txt(doc_id, text))
        for p in article["paragraphs"]:
            for qa in p["qas"]:
                answers = tuple(a["text"] for a in qa["answers"])
                questions.append(SquadQuestion(qa["question"], answers, doc_id))
    return documents, questions


# Every HELD_OUT_EVERY-th article of a SQuAD-format set (the last of each run of five) is held
# out of all training (ranker and answerability): the figures on them are on unseen text.
HELD_OUT_EVERY = 5


def held_out(document: str) -> bool:
    """Whether a SQuAD article (its id, the article's number) is kept out of training."""
    return int(document) % HELD_OUT_EVERY == HELD_OUT_EVERY - 1


def without_answers(documents: list[Document], questions: list[SquadQuestion],
                    removed: set[str]) -> tuple[list[Document], list[SquadQuestion]]:
    """Unanswerable questions on covered topics: the articles without the `removed` ones, and
    those of the removed articles' questions (all the questions when none is removed) none of
    whose answers any paragraph left holds."""
    kept = [d for d in documents if d.id not in removed]
    text = "\n".join(fold_for_match(p.text) for d in kept for p in d.paragraphs)
    return kept, [q for q in questions if (q.document in removed or not removed)
                  and not any(fold_for_match(a) in text for a in q.answers)]


@dataclass(frozen=True)
class Judged:
    """One question's quotes as the engine judges them, and whether they are right."""

    first_right: bool  # the first of the ranker's quotes holds an expected answer
    any_right: bool  # one of its three quotes does
    chance: float  # answerability's chance that one of them does
    answered: bool  # the engine answers (not "not sure", not "nothing")
    lengths: tuple[int, ...]  # of the quotes it gives as an answer


def judge(engine: AnswerEngine, question: str, expected: Iterable[str],
          document: str | None = None) -> Judged:
    """The engine's three best quotes for the question, right when one holds an expected
    substring (and comes from `document`, when given)."""
    judged = engine.judged_quotes(question, ANSWER_QUOTES)
    quotes, expected = judged.excerpts, list(expected)
    hits = [quotes_one_of(e.text, expected) and document in (None, e.source.document)
            for e in quotes]
    answered = bool(quotes) and engine.answerability.outcome(
        judged.chance, np.array([e.confidence for e in quotes]),
        engine.passage_count()) == ANSWERED
    return Judged(bool(hits) and hits[0], any(hits), judged.chance, answered,
                  tuple(len(e.text) for e in quotes) if answered else ())


@dataclass(frozen=True)
class Report:
    questions: int
    at_1: float  # the first of the ranker's quotes holds the answer (answer or not)
    at_3: float  # one of its three quotes does
    answered: float  # coverage: the engine answers (not "not sure", not "nothing")
    right_answers: int  # answers with the answer among their quotes
    median_chars: float
    lengths: tuple[int, ...] = field(default=(), repr=False)  # of every excerpt given

    @classmethod
    def of(cls, judged: list[Judged]) -> Report:
        n = len(judged) or 1
        lengths = tuple(x for j in judged for x in j.lengths)
        return cls(len(judged), sum(j.first_right for j in judged) / n,
                   sum(j.any_right for j in judged) / n, sum(j.answered for j in judged) / n,
                   sum(j.answered and j.any_right for j in judged),
                   statistics.median(lengths) if lengths else 0.0, lengths)

    @property
    def precision(self) -> float:
        """How often an answer given holds the answer among its quotes."""
        return self.right_answers / (round(self.answered * self.questions) or 1)

    def lines(self) -> list[str]:
        return [
            f"questions            {self.questions}",
            f"first quote right    {self.at_1:.1%}",
            f"one of three right   {self.at_3:.1%}",
            f"coverage (answered)  {self.answered:.1%}",
            f"precision (answered) {self.precision:.1%}",
            f"median excerpt       {self.median_chars:.0f} characters",
        ]


@dataclass(frozen=True)
class Refusals:
    questions: int
    refused: float  # got no answer ("not sure" or "nothing")

    @classmethod
    def of(cls, judged: list[Judged]) -> Refusals:
        return cls(len(judged), sum(not j.answered for j in judged) / (len(judged) or 1))

    def lines(self) -> list[str]:
        return [f"unanswerable questions {self.questions}",
                f"rightly refused        {self.refused:.1%}"]


# The thresholds of the risk-coverage table: the chance that one of the quotes answers.
RISK_THRESHOLDS = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8)


def risk_coverage(answerable: list[Judged], unanswerable: list[Judged]) -> list[str]:
    """At each threshold of answering: coverage of the answerable questions, precision of the
    answers given, refusals of the unanswerable ones (a Markdown table)."""
    lines = ["| answer when chance ≥ | coverage | precision | first quote right when "
             "answered | unanswerable refused |", "|---|---|---|---|---|"]
    for t in RISK_THRESHOLDS:
        given = [j for j in answerable if j.chance >= t and j.chance > 0]
        refused = sum(j.chance < t or j.chance == 0 for j in unanswerable)
        lines.append(f"| {t:.1f} | {len(given) / (len(answerable) or 1):.1%} | "
                     f"{sum(j.any_right for j in given) / (len(given) or 1):.1%} | "
                     f"{sum(j.first_right for j in given) / (len(given) or 1):.1%} | "
                     f"{refused / (len(unanswerable) or 1):.1%} |")
    return lines


def evaluate_squad(engine: AnswerEngine, questions: list[SquadQuestion]) -> Report:
    """Answer-in-quote rates at 1 and 3 of the ranker's quotes (from the right article),
    coverage and precision of the answers given, median length."""
    return Report.of([judge(engine, q.question, q.answers, q.document) for q in questions])


def load_translated(path: str | Path, questions: list[SquadQuestion]
                    ) -> tuple[list[SquadQuestion], list[SquadQuestion]]:
    """Questions of a SQuAD set written again, in another language or as users type them, one
    JSON object a line (piaf: the original's number among `questions`, question: as written
    again; nothing of the set itself is copied): those and the originals, in the same order."""
    rows = [json.loads(line) for line in Path(path).read_text(encoding="utf-8").splitlines()
            if line.strip()]
    originals = [questions[r["piaf"]] for r in rows]
    return ([SquadQuestion(r["question"], q.answers, q.document)
             for r, q in zip(rows, originals)], originals)


Rewritten = tuple[list[SquadQuestion], list[SquadQuestion]]


def squad_sets(documents: list[Document], questions: list[SquadQuestion],
               translated: Rewritten | None = None, typed: Rewritten | None = None
               ) -> list[tuple[str, list[str]]]:
    """Each set's report: every question asked of every article; the held-out articles'
    questions (never trained on), answerable, then unanswerable (asked of the articles without
    theirs); and the risk-coverage table of the held-out ones. A set too small to hold an
    article out has the first alone. With `translated` (load_translated), the translations
    and their originals, asked of every article; with `typed` (the same, as users type
    them), those and their originals, answerable and, for those of the held-out articles,
    unanswerable."""
    engine = AnswerEngine(documents)
    everything = [judge(engine, q.question, q.answers, q.document) for q in questions]
    as_written = dict(zip(questions, everything))
    extra = [(f"{name} ({len(qs)} questions written again in English)",
              evaluate_squad(engine, qs).lines())
             for name, qs in zip(("translations", "their originals"), translated or ())]
    if typed:
        extra += [(f"typed as users do ({len(typed[0])} questions: no accents, one typo)",
                   evaluate_squad(engine, typed[0]).lines()),
                  ("the same questions as written",
                   Report.of([as_written[q] for q in typed[1]]).lines())]
    unseen = [j for j, q in zip(everything, questions) if held_out(q.document)]
    if not unseen:
        return [("all questions", Report.of(everything).lines()), *extra]
    kept, unanswerable = without_answers(documents, questions,
                                         {d.id for d in documents if held_out(d.id)})
    without = AnswerEngine(kept)
    refused = [judge(without, q.question, q.answers, q.document) for q in unanswerable]
    if typed:
        left = dict(zip(unanswerable, refused))
        pairs = [(t, o) for t, o in zip(*typed) if o in left]
        extra += [(f"typed as users do, asked without their articles ({len(pairs)})",
                   Refusals.of([judge(without, t.question, t.answers, t.document)
                                for t, _ in pairs]).lines()),
                  ("the same questions as written, without their articles",
                   Refusals.of([left[o] for _, o in pairs]).lines())]
    return [("all questions (most from articles trained on)", Report.of(everything).lines()),
            ("held-out articles (never trained on)", Report.of(unseen).lines()),
            ("held-out articles' questions asked without them", Refusals.of(refused).lines()),
            ("risk-coverage, held-out", risk_coverage(unseen, refused)), *extra]


def combine(reports: Iterable[Report]) -> Report:
    """One report for the questions of several (the folds of a cross-validation)."""
    reports = list(reports)
    n = sum(r.questions for r in reports)
    lengths = tuple(x for r in reports for x in r.lengths)

    def mean(rate: str) -> float:
        return sum(getattr(r, rate) * r.questions for r in reports) / (n or 1)

    return Report(n, mean("at_1"), mean("at_3"), mean("answered"),
                  sum(r.right_answers for r in reports),
                  statistics.median(lengths) if lengths else 0.0, lengths)


@dataclass(frozen=True)
class DevQuestion:
    question: str
    expected: tuple[str, ...] | None


def load_dev(path: str | Path) -> list[DevQuestion]:
    """The dev set: one JSON object a line, `expected` a list of substrings or null."""
    questions = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            expected = row.get("expected")
            questions.append(DevQuestion(row["question"], tuple(expected) if expected else None))
    return questions


def dev_outcome(answer: Answer, expected: tuple[str, ...] | None) -> bool:
    """Right when the engine answers with an expected substring in the first excerpt, or,
    for null, gives no answer (neither "not sure" nor "nothing" is an answer)."""
    if expected is None:
        return not answer.answered
    return answer.answered and quotes_one_of(answer.excerpts[0].text, list(expected))


@dataclass(frozen=True)
class DevReport:
    questions: int
    right: int
    wrong: tuple[str, ...]
    answerable: Report
    unanswerable: Refusals

    def lines(self) -> list[str]:
        return [f"right {self.right} of {self.questions}",
                *(f"wrong: {q}" for q in self.wrong),
                *self.answerable.lines(), *self.unanswerable.lines()]


def evaluate_dev(engine: AnswerEngine, questions: list[DevQuestion]) -> DevReport:
    """How many dev questions get the right answer in the first quote (or, for null, rightly
    none); and the rates of `Report` and `Refusals`."""
    judged = [judge(engine, q.question, q.expected or ()) for q in questions]
    right = [dev_outcome(engine.answer(q.question), q.expected) for q in questions]
    return DevReport(len(questions), sum(right),
                     tuple(q.question for q, r in zip(questions, right) if not r),
                     Report.of([j for j, q in zip(judged, questions) if q.expected]),
                     Refusals.of([j for j, q in zip(judged, questions) if not q.expected]))
