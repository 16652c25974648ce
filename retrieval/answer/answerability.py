"""Answerability: how likely a quote is to hold the answer, and what the engine says then.

A quote chosen by the ranker is not yet an answer: a question that no article answers still
gets the windows nearest to it. A logistic regression over the chosen window's features (its
ranker score, its margin over the next quote, its shares of the question, whether it holds the
wanted kind of answer, its passage's rank...) gives each quote a confidence in [0, 1]: the
probability that it holds the answer. It is learned on PIAF by
`benchmarks/train_answerability.py`, with real negatives (each question asked again of the
articles without its own), stored as plain JSON (`data/answerability.json`), never pickled,
and predicted with numpy.

Three outcomes follow from the chance that one of the first ANSWER_QUOTES quotes holds the
answer: an answer (at least `answer_at`), not sure (at least `near_at`: the nearest passages,
shown as such, not as an answer), and nothing near.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache, cached_property
from pathlib import Path

import numpy as np

ANSWERABILITY_PATH = Path(__file__).parents[1] / "data" / "answerability.json"

# The model's inputs that are not window features: the chosen quote's ranker score, its margin
# over the next quote's (or over the weakest window when it is the last), 1 / (1 + its place
# among the quotes), log10 of how many passages the engine answers from (a question's words
# found by chance are likelier among a million passages than in one article), and whether the
# question was read as English (its words are the dictionary's guesses: a right quote holds
# fewer of them than of a French question's).
QUOTE_INPUTS = ("ranker_score", "ranker_margin", "quote_rank", "corpus_passages", "english")

ANSWERED, UNSURE, NONE = "answered", "unsure", "none"
# The outcome reads this many quotes: the three a face shows first (closer to 90% right when
# answering than the first quote alone, at the same coverage, on PIAF).
ANSWER_QUOTES = 3


@dataclass(frozen=True)
class Answerability:
    """confidence(x) = sigmoid(((x - mean) / scale) · weights + bias), one row per quote, its
    columns the inputs named in `inputs` (window features or QUOTE_INPUTS), in that order; and
    the two thresholds on `answered_chance`."""

    inputs: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    weights: np.ndarray
    bias: float
    answer_at: float
    near_at: float

    @cached_property
    def window_features(self) -> tuple[str, ...]:
        """The window features it reads (the others are QUOTE_INPUTS)."""
        return tuple(n for n in self.inputs if n not in QUOTE_INPUTS)

    def confidence(self, rows: np.ndarray) -> np.ndarray:
        z = ((rows - self.mean) / self.scale) @ self.weights + self.bias
        return 1 / (1 + np.exp(-np.clip(z, -30, 30)))

    def outcome(self, confidences: np.ndarray) -> str:
        """What the engine says when its quotes, best first, have these confidences."""
        chance = answered_chance(confidences)
        return ANSWERED if chance >= self.answer_at else UNSURE if chance >= self.near_at else NONE

    def to_json(self) -> str:
        return json.dumps({"inputs": list(self.inputs), "mean": self.mean.tolist(),
                           "scale": self.scale.tolist(), "weights": self.weights.tolist(),
                           "bias": self.bias, "answer_at": self.answer_at,
                           "near_at": self.near_at}, indent=1)

    @classmethod
    def from_json(cls, text: str, known: tuple[str, ...]) -> Answerability:
        """The model stored in text; ValueError when it reads an input that is neither a
        `known` window feature nor one of QUOTE_INPUTS, or one twice."""
        data = json.loads(text)
        inputs = tuple(data["inputs"])
        unknown = [n for n in inputs if n not in known and n not in QUOTE_INPUTS]
        if unknown or len(set(inputs)) != len(inputs):
            raise ValueError(f"the answerability model reads other inputs: {unknown or inputs}")
        mean, scale, weights = (np.array(data[k], dtype=np.float64)
                                for k in ("mean", "scale", "weights"))
        if any(a.shape != (len(inputs),) for a in (mean, scale, weights)):
            raise ValueError("the answerability model's arrays do not match its inputs")
        return cls(inputs, mean, scale, weights, float(data["bias"]), float(data["answer_at"]),
                   float(data["near_at"]))


def answered_chance(confidences: np.ndarray) -> float:
    """The chance that one of the first ANSWER_QUOTES quotes holds the answer, each one's
    confidence taken as independent of the others'."""
    return float(1 - np.prod(1 - np.asarray(confidences)[:ANSWER_QUOTES]))


def quote_inputs(model_inputs: tuple[str, ...], window_features: np.ndarray,
                 window_names: tuple[str, ...], scores: np.ndarray, margins: np.ndarray,
                 passages: int, english: bool = False) -> np.ndarray:
    """The model's rows for the chosen quotes, in order: their windows' features (columns
    named by `window_names`), ranker scores and margins, their places, the corpus's passage
    count, and whether the question was read as English."""
    quote = {"ranker_score": scores, "ranker_margin": margins,
             "quote_rank": 1 / (1 + np.arange(len(scores), dtype=np.float64)),
             "corpus_passages": np.full(len(scores), np.log10(max(passages, 1))),
             "english": np.full(len(scores), float(english))}
    # Each input's column in the window features followed by the quote inputs: one gather,
    # row-major as the model's product reads it (its sums' order, kept to the last bit).
    column = {n: i for i, n in enumerate((*window_names, *quote))}
    table = np.concatenate((window_features, np.array(list(quote.values())).T), axis=1)
    return np.ascontiguousarray(table[:, [column[name] for name in model_inputs]])


def always_answers() -> Answerability:
    """Every first quote an answer, as before the model: the baseline it is measured beside,
    and what training uses while there is no model yet."""
    return Answerability((), np.zeros(0), np.ones(0), np.zeros(0), 0.0, 0.0, 0.0)


@cache
def shipped_answerability(known: tuple[str, ...]) -> Answerability:
    """The project's answerability model, loaded once per process (`known`: the window
    features the code declares)."""
    return Answerability.from_json(ANSWERABILITY_PATH.read_text(encoding="utf-8"), known)
