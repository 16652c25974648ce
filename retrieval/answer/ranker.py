"""The window ranker: a linear score over each candidate window's standardised features.

Learned listwise on PIAF by `benchmarks/train_ranker.py`, stored as plain JSON
(`data/ranker.json`: the feature names, their means and scales, the weights), never pickled;
predicting is one matrix-vector product with numpy.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

RANKER_PATH = Path(__file__).parents[1] / "data" / "ranker.json"


@dataclass(frozen=True)
class WindowRanker:
    """score(x) = ((x - mean) / scale) · weights + bias, one row of features per window, its
    columns the features named in `features`, in that order."""

    features: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    weights: np.ndarray
    bias: float

    def score(self, features: np.ndarray) -> np.ndarray:
        return ((features - self.mean) / self.scale) @ self.weights + self.bias

    def to_json(self) -> str:
        return json.dumps({"features": list(self.features), "mean": self.mean.tolist(),
                           "scale": self.scale.tolist(), "weights": self.weights.tolist(),
                           "bias": self.bias}, indent=1)

    @classmethod
    def from_json(cls, text: str, known: tuple[str, ...]) -> WindowRanker:
        """The ranker stored in text, its features in the order it lists them; ValueError when
        it names a feature that is not among the `known` ones, or one twice."""
        data = json.loads(text)
        features = tuple(data["features"])
        unknown = [f for f in features if f not in known]
        if unknown or len(set(features)) != len(features):
            raise ValueError(f"the ranker was trained on other features: {unknown or features}")
        mean, scale, weights = (np.array(data[k], dtype=np.float64)
                                for k in ("mean", "scale", "weights"))
        if any(a.shape != (len(features),) for a in (mean, scale, weights)):
            raise ValueError("the ranker's arrays do not match its features")
        return cls(features, mean, scale, weights, float(data["bias"]))


# The scorer the learned ranker replaced (issue 9), its hand-tuned weights written over the
# same features: the baseline that `benchmarks/train_ranker.py` measures beside it.
HAND_TUNED = {"share": 1.0, "passage_score": 1.0, "kind_closeness": 0.25, "after": 0.1,
              "overlong": -0.3}


def hand_tuned(features: tuple[str, ...]) -> WindowRanker:
    """The hand-tuned scorer as a ranker over the features."""
    n = len(features)
    weights = np.array([HAND_TUNED.get(f, 0.0) for f in features])
    return WindowRanker(features, np.zeros(n), np.ones(n), weights, 0.0)


@cache
def shipped_ranker(known: tuple[str, ...]) -> WindowRanker:
    """The project's ranker, loaded once per process (`known`: the features the code
    declares)."""
    return WindowRanker.from_json(RANKER_PATH.read_text(encoding="utf-8"), known)
