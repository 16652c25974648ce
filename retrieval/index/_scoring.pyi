"""The compiled scorer's one function (_scoring.c): its types, for the type checker."""

from array import array

import numpy as np

def best(passages: np.ndarray, weights: np.ndarray, spans: array[int], boosts: array[float],
         long: bytes, outside: float, k: int, totals: np.ndarray, marks: np.ndarray,
         first: np.ndarray, rows: np.ndarray, scores: np.ndarray, held: np.ndarray,
         documents: np.ndarray, /) -> int: ...
