"""The compiled scorer's one function (_scoring.c): its types, for the type checker."""

import numpy as np

def best(passages: np.ndarray, weights: np.ndarray, spans: np.ndarray, boosts: np.ndarray,
         long: bytes, outside: float, k: int, totals: np.ndarray, marks: np.ndarray,
         rows: np.ndarray, scores: np.ndarray, held: np.ndarray, /) -> int: ...
