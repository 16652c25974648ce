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


@dataclass(frozen=True)
class Report:
    questions: int
    at_1: float
    at_3: float
    unanswered: float
    median_chars: float
    lengths: tuple[int, ...] = field(default=(), repr=False)  # of every excerpt given

    def lines(self) -> list[str]:
        return [
            f"questions           {self.questions}",
            f"answer in excerpt@1 {self.at_1:.1%}",
            f"answer in excerpt@3 {self.at_3:.1%}",
            f"no answer given     {self.unanswered:.1%}",
            f"median excerpt      {self.median_chars:.0f} characters",
        ]


def evaluate_squad(engine: AnswerEngine, questions: list[SquadQuestion]) -> Report:
    """Answer-in-excerpt rates at 1 and 3 (excerpt from the right article), median length."""
    at_1 = at_3 = unanswered = 0
    lengths: list[int] = []
    for q in questions:
        answer: Answer = engine.answer(q.question, top_k=3)
        hits = [quotes_one_of(e.text, list(q.answers)) and e.source.document == q.document
                for e in answer.excerpts]
        at_1 += bool(hits[:1] and hits[0])
        at_3 += any(hits)
        unanswered += not answer.answered
        lengths.extend(len(e.text) for e in answer.excerpts)
    n = len(questions) or 1
    return Report(len(questions), at_1 / n, at_3 / n, unanswered / n,
                  statistics.median(lengths) if lengths else 0.0, tuple(lengths))


def combine(reports: Iterable[Report]) -> Report:
    """One report for the questions of several (the folds of a cross-validation)."""
    reports = list(reports)
    n = sum(r.questions for r in reports)
    lengths = tuple(x for r in reports for x in r.lengths)

    def mean(rate: str) -> float:
        return sum(getattr(r, rate) * r.questions for r in reports) / (n or 1)

    return Report(n, mean("at_1"), mean("at_3"), mean("unanswered"),
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
    """Right when an expected substring is in the first excerpt, or, for null, no excerpt."""
    if expected is None:
        return not answer.answered
    return answer.answered and quotes_one_of(answer.excerpts[0].text, list(expected))


@dataclass(frozen=True)
class DevReport:
    questions: int
    right: int
    wrong: tuple[str, ...]

    def lines(self) -> list[str]:
        return [f"right {self.right} of {self.questions}",
                *(f"wrong: {q}" for q in self.wrong)]


def evaluate_dev(engine: AnswerEngine, questions: list[DevQuestion]) -> DevReport:
    """How many dev questions get the right answer (or rightly none)."""
    wrong = tuple(q.question for q in questions
                  if not dev_outcome(engine.answer(q.question), q.expected))
    return DevReport(len(questions), len(questions) - len(wrong), wrong)
