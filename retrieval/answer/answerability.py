"""Answerability: how likely the quotes are to hold the answer, and what the engine says then.

A quote chosen by the ranker is not yet an answer: a question that no article answers still
gets the windows nearest to it. Two models learned on PIAF by
`benchmarks/train_answerability.py`, with real negatives (each question asked again of the
articles without its own), stored as plain JSON (`data/answerability.json`), never pickled,
and predicted with numpy:

- each quote's confidence in [0, 1], the probability that it holds the answer: a logistic
  regression over its window's features (its ranker score, its margin over the next quote,
  its shares of the question, whether it holds the wanted kind of answer, its passage's
  rank...);
- on an archive (at least ARCHIVE_PASSAGES passages), the question's chance that one of its
  first ANSWER_QUOTES quotes holds the answer: gradient-boosted trees over the first quote's
  features and how the quotes agree (of one article, of one paragraph, how far apart their
  scores are): quotes of three articles most often mean that no article is about the
  question. On an article or a few, where every quote is of the same article or two, the
  chance is the quotes' own, 1 − Π(1 − confidence) (the trees did no better there).

Three outcomes follow: an answer (the chance at least `answer_at`, one value on a few articles
and one on an archive), not sure (the quotes' own chance at least `near_at`: the nearest
passages, shown as such, not as an answer), and nothing near. Whether anything is near is the
quotes' own matter, on an archive as on one article: the trees decide only whether to answer.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import cache, cached_property
from pathlib import Path
from typing import Any

import numpy as np

try:  # built at install (setup.py) where a C compiler is: the numpy reference otherwise
    from . import _windows
except ImportError:
    _windows = None  # type: ignore[assignment]

ANSWERABILITY_PATH = Path(__file__).parents[1] / "data" / "answerability.json"

# The quote model's inputs that are not window features: the chosen quote's ranker score, its
# margin over the next quote's (or over the weakest window when it is the last), 1 / (1 + its
# place among the quotes), log10 of how many passages the engine answers from (a question's
# words found by chance are likelier among a million passages than in one article), and
# whether the question was read as English (its words are the dictionary's guesses: a right
# quote holds fewer of them than of a French question's).
QUOTE_INPUTS = ("ranker_score", "ranker_margin", "quote_rank", "corpus_passages", "english")

# The question model's inputs besides the first quote's window features, ranker score, margin
# and `english`: whether the 2nd and the 3rd quotes are of another article than the first
# one's, the 3rd of another than the 2nd's, the 2nd and the 3rd of the first one's paragraph (0
# for a quote missing: a question whose words few windows hold has no other article against
# it); the first one's score above the 2nd's and the 3rd's (for a quote missing, above the
# weakest window's, as a margin); whether any holds the wanted kind of answer; the best share
# of the question a quote holds; the first one's share of the words some passage holds (of
# those no passage holds, none can be quoted); and the quotes' own chance (quotes_chance, what
# decides on a few articles).
QUESTION_INPUTS = ("other_article_2", "other_article_3", "other_article_23",
                   "same_paragraph_2", "same_paragraph_3", "score_gap_2", "score_gap_3",
                   "kind_any", "share_max", "share_of_known", "quotes_chance")
FIRST_QUOTE_INPUTS = ("ranker_score", "ranker_margin", "english")
# The window features the QUESTION_INPUTS are made of.
AGREEMENT_FEATURES = ("share", "kind", "question_unknown")
# From this many passages the engine answers from an archive, where the trees decide: the
# corpora they are learned on hold 490 to 610 passages, the single articles 2 to 30.
ARCHIVE_PASSAGES = 100
# What share_of_known divides by at least: a question none of whose words is held has none (it
# is at most 1: `share` and `question_unknown` weigh title words differently).
MIN_KNOWN = 0.05

ANSWERED, UNSURE, NONE = "answered", "unsure", "none"
# The outcome reads this many quotes: the three a face shows first (closer to 90% right when
# answering than the first quote alone, at the same coverage, on PIAF).
ANSWER_QUOTES = 3


def _sigmoid(z: np.ndarray | float) -> Any:
    # Clipped to ±30 as np.clip does it, without its cost per call (a few µs on one value).
    return 1 / (1 + np.exp(-np.minimum(np.maximum(z, -30), 30)))


@dataclass(frozen=True)
class Trees:
    """Gradient-boosted trees for a chance: sigmoid(base + the sum of each tree's leaf for the
    row). Every tree's nodes are `width` entries of each array (the root first, padded with
    leaves), one tree after the other; `left` and `right` are indices in those arrays, and a
    leaf leads to itself, so that `depth` steps from the roots reach the row's leaf in all the
    trees at once."""

    inputs: tuple[str, ...]
    base: float
    depth: int
    width: int
    feature: np.ndarray  # the input a node compares (any at a leaf)
    threshold: np.ndarray  # left when the input is at most this
    left: np.ndarray
    right: np.ndarray
    value: np.ndarray  # a leaf's addition to the log-odds (0 elsewhere)

    @cached_property
    def roots(self) -> np.ndarray:
        """Each tree's first node."""
        return np.arange(0, len(self.value), self.width)

    def chance(self, row: np.ndarray) -> float:
        """The chance for one row of the inputs."""
        return float(_sigmoid(self.base + np.add.reduce(self.value[self.leaves(row)])))

    def leaves(self, row: np.ndarray) -> np.ndarray:
        """The leaf each tree leads the row (float64) to, in C where _windows.c was built (a
        few hundred steps; numpy's reference below works out every node's way first)."""
        if _windows is None:
            return self.leaves_reference(row)
        leaves = np.empty(len(self.roots), dtype=np.int64)
        _windows.leaves(row, self.feature, self.threshold, self.left, self.right, self.width,
                        self.depth, leaves)
        return leaves

    def leaves_reference(self, row: np.ndarray) -> np.ndarray:
        """leaves() with numpy: where the row goes from every node, all worked out at once (a
        few thousand comparisons in one call cost less than the calls of a step down all the
        trees)."""
        step = np.where(row[self.feature] <= self.threshold, self.left, self.right)
        node = self.roots
        for _ in range(self.depth):
            node = step[node]
        return node

    def to_dict(self) -> dict[str, Any]:
        shape = (-1, self.width)
        start = np.arange(0, len(self.value), self.width)[:, None]
        left, right = self.left.reshape(shape) - start, self.right.reshape(shape) - start
        leaf = left == np.arange(self.width)
        return {"inputs": list(self.inputs), "base": self.base, "depth": self.depth,
                "trees": [{"feature": np.where(lf, -1, f).tolist(),
                           "threshold": np.where(lf, 0.0, t).tolist(),
                           "left": np.where(lf, 0, lt).tolist(),
                           "right": np.where(lf, 0, rt).tolist(), "value": v.tolist()}
                          for lf, f, t, lt, rt, v in zip(
                              leaf, self.feature.reshape(shape), self.threshold.reshape(shape),
                              left, right, self.value.reshape(shape))]}

    @classmethod
    def of(cls, inputs: tuple[str, ...], base: float, depth: int,
           trees: list[dict[str, list]]) -> Trees:
        """Trees from their nodes' lists (feature -1 at a leaf), padded to the same length."""
        width = max((len(t["value"]) for t in trees), default=1)
        shape = (len(trees), width)
        feature, left, right = (np.zeros(shape, dtype=np.int64) for _ in range(3))
        threshold, value = np.zeros(shape), np.zeros(shape)
        for n, tree in enumerate(trees):
            nodes = np.arange(width)
            left[n], right[n] = nodes, nodes  # padding and leaves lead to themselves
            f = np.array(tree["feature"], dtype=np.int64)
            count, inner = len(f), f >= 0
            if (f >= len(inputs)).any():
                raise ValueError("a tree of the answerability model reads an unknown input")
            feature[n, :count] = np.where(inner, f, 0)
            threshold[n, :count] = tree["threshold"]
            value[n, :count] = tree["value"]
            left[n, :count] = np.where(inner, tree["left"], nodes[:count])
            right[n, :count] = np.where(inner, tree["right"], nodes[:count])
        start = np.arange(0, len(trees) * width, width)[:, None]  # each tree's first node
        return cls(inputs, base, depth, width, feature.ravel(), threshold.ravel(),
                   (left + start).ravel(), (right + start).ravel(), value.ravel())


@dataclass(frozen=True)
class Answerability:
    """Each quote's confidence(x) = sigmoid(((x - mean) / scale) · weights + bias), one row
    per quote, its columns the inputs named in `inputs` (window features or QUOTE_INPUTS), in
    that order; the question's chance from `question` (trees over question_inputs); the
    threshold on that chance to answer (on a few articles, on an archive), and the one on the
    quotes' own chance to show the nearest passages."""

    inputs: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    weights: np.ndarray
    bias: float
    question: Trees
    answer_at: tuple[float, float]
    near_at: float

    @cached_property
    def window_features(self) -> tuple[str, ...]:
        """The window features either model reads, and those QUESTION_INPUTS are made of."""
        others = (*QUOTE_INPUTS, *QUESTION_INPUTS)
        return tuple(dict.fromkeys(n for n in (*self.inputs, *self.question.inputs,
                                               *AGREEMENT_FEATURES) if n not in others))

    def confidence(self, rows: np.ndarray) -> np.ndarray:
        z = ((rows - self.mean) / self.scale) @ self.weights + self.bias
        return _sigmoid(z)

    @staticmethod
    def on_archive(passages: int) -> bool:
        """Whether answering from this many passages is answering from an archive, where the
        question's trees decide (and its row of question_inputs is read)."""
        return passages >= ARCHIVE_PASSAGES

    def chance(self, confidences: np.ndarray, row: np.ndarray | None, passages: int
               ) -> float:
        """The chance that one of the quotes (with these confidences, and this row of
        question_inputs: None off an archive, where it is not read) holds the answer,
        answering from this many passages."""
        if self.on_archive(passages):
            if row is None:
                raise ValueError("on an archive, the chance reads the question's row")
            return self.question.chance(row)
        return quotes_chance(confidences)

    def outcome(self, chance: float, confidences: np.ndarray, passages: int) -> str:
        """What the engine says, answering from this many passages, when one of its quotes
        (with these confidences) holds the answer with this chance."""
        if chance >= self.answer_at[int(self.on_archive(passages))]:
            return ANSWERED
        return UNSURE if quotes_chance(confidences) >= self.near_at else NONE

    def to_json(self) -> str:
        return json.dumps({"inputs": list(self.inputs), "mean": self.mean.tolist(),
                           "scale": self.scale.tolist(), "weights": self.weights.tolist(),
                           "bias": self.bias, "question": self.question.to_dict(),
                           "answer_at": self.answer_at, "near_at": self.near_at})

    @classmethod
    def from_json(cls, text: str, known: tuple[str, ...]) -> Answerability:
        """The model stored in text; ValueError when a model reads an input that is neither a
        `known` window feature nor one of its own, or one twice."""
        data = json.loads(text)
        inputs, trees = tuple(data["inputs"]), data["question"]
        asked = tuple(trees["inputs"])
        unknown = [n for n in inputs if n not in known and n not in QUOTE_INPUTS] + [
            n for n in asked
            if n not in known and n not in QUESTION_INPUTS and n not in FIRST_QUOTE_INPUTS]
        if unknown or len(set(inputs)) != len(inputs) or len(set(asked)) != len(asked):
            raise ValueError(f"the answerability model reads other inputs: {unknown or inputs}")
        mean, scale, weights = (np.array(data[k], dtype=np.float64)
                                for k in ("mean", "scale", "weights"))
        if any(a.shape != (len(inputs),) for a in (mean, scale, weights)):
            raise ValueError("the answerability model's arrays do not match its inputs")
        return cls(inputs, mean, scale, weights, float(data["bias"]),
                   Trees.of(asked, float(trees["base"]), int(trees["depth"]), trees["trees"]),
                   _pair(data["answer_at"]), float(data["near_at"]))


def _pair(values: list[float]) -> tuple[float, float]:
    """A threshold's values on a few articles and on an archive."""
    few, archive = (float(v) for v in values)
    return few, archive


def quote_inputs(model_inputs: tuple[str, ...], window_features: np.ndarray,
                 window_names: tuple[str, ...], scores: np.ndarray, margins: np.ndarray,
                 passages: int, english: bool = False) -> np.ndarray:
    """The quote model's rows for the chosen quotes, in order: their windows' features
    (columns named by `window_names`), ranker scores and margins, their places, the corpus's
    passage count, and whether the question was read as English."""
    # The QUOTE_INPUTS of each quote, in that order: a few numbers, made in Python.
    size, english_ = float(np.log10(max(passages, 1))), float(english)
    quote = [[score, margin, 1 / (1 + n), size, english_]
             for n, (score, margin) in enumerate(zip(scores.tolist(), margins.tolist()))]
    # Each input's column in the window features followed by the quote inputs: one gather,
    # row-major as the model's product reads it (its sums' order, kept to the last bit).
    table = np.concatenate((window_features, np.array(quote).reshape(-1, len(QUOTE_INPUTS))),
                           axis=1)
    return np.ascontiguousarray(table[:, _quote_columns(model_inputs, window_names)])


@cache
def _quote_columns(model_inputs: tuple[str, ...], window_names: tuple[str, ...]) -> list[int]:
    """Each of the quote model's inputs' column among the window features followed by the
    QUOTE_INPUTS."""
    column = {n: i for i, n in enumerate((*window_names, *QUOTE_INPUTS))}
    return [column[name] for name in model_inputs]


@cache
def _layout(model_inputs: tuple[str, ...], window_names: tuple[str, ...]
            ) -> tuple[np.ndarray, np.ndarray, np.ndarray, tuple[str, ...], dict[str, int]]:
    """Where a question row's inputs come from: the places of those that are the first quote's
    window features and their columns, the places of the others and their names; and every
    window feature's column."""
    column = {n: i for i, n in enumerate(window_names)}
    of_window = [n for n, name in enumerate(model_inputs) if name in column
                 and name not in FIRST_QUOTE_INPUTS]
    others = [n for n in range(len(model_inputs)) if n not in of_window]
    return (np.array(of_window, dtype=np.int64),
            np.array([column[model_inputs[n]] for n in of_window], dtype=np.int64),
            np.array(others, dtype=np.int64), tuple(model_inputs[n] for n in others), column)


def question_inputs(model_inputs: tuple[str, ...], window_features: np.ndarray,
                    window_names: tuple[str, ...], scores: np.ndarray, margins: np.ndarray,
                    places: list[tuple[str, int]], confidences: np.ndarray,
                    english: bool = False) -> np.ndarray:
    """The question model's row for the chosen quotes (at least one; `places`: each one's
    article and paragraph; `confidences`: the quote model's): the first one's window features
    (columns named by `window_names`), score, margin and `english`, and the QUESTION_INPUTS."""
    of_window, columns, others, other_names, column = _layout(model_inputs, window_names)

    def other(a: int, b: int) -> float:
        return float(b < len(places) and places[a][0] != places[b][0])

    def same_paragraph(b: int) -> float:
        return float(b < len(places) and places[0] == places[b])

    def gap(n: int) -> float:
        below = scores[n] if n < len(scores) else scores[-1] - margins[-1]
        return float(scores[0] - below)

    first, shown = window_features[0], window_features[:ANSWER_QUOTES]
    known = 1 - first[column["question_unknown"]]
    named = {"ranker_score": scores[0], "ranker_margin": margins[0], "english": float(english),
             "other_article_2": other(0, 1), "other_article_3": other(0, 2),
             "other_article_23": other(1, 2), "same_paragraph_2": same_paragraph(1),
             "same_paragraph_3": same_paragraph(2), "score_gap_2": gap(1), "score_gap_3": gap(2),
             "kind_any": np.maximum.reduce(shown[:, column["kind"]]),
             "share_max": np.maximum.reduce(shown[:, column["share"]]),
             "share_of_known": min(first[column["share"]] / max(known, MIN_KNOWN), 1.0),
             "quotes_chance": quotes_chance(confidences)}
    row = np.empty(len(model_inputs))
    row[of_window] = first[columns]
    row[others] = [named[n] for n in other_names]
    return row


def quotes_chance(confidences: np.ndarray) -> float:
    """The chance that one of the first ANSWER_QUOTES quotes holds the answer, each one's
    confidence taken as independent of the others'."""
    # A product of three numbers: math.prod multiplies them in numpy's order, without its
    # cost per call.
    return 1 - math.prod(1 - c for c in np.asarray(confidences)[:ANSWER_QUOTES].tolist())


def always_answers() -> Answerability:
    """Every first quote an answer, as before the models: the baseline they are measured
    beside, and what training uses while there is none yet."""
    return Answerability((), np.zeros(0), np.ones(0), np.zeros(0), 0.0,
                         Trees.of((), 0.0, 0, []), (0.0, 0.0), 0.0)


@cache
def shipped_answerability(known: tuple[str, ...]) -> Answerability:
    """The project's answerability models, loaded once per process (`known`: the window
    features the code declares)."""
    return Answerability.from_json(ANSWERABILITY_PATH.read_text(encoding="utf-8"), known)
