"""memory.py's inner loops in compiled code (_memory.c): their types, for the type checker."""

from array import array

import numpy as np

def best(passages: np.ndarray, weights: np.ndarray, spans: array[int], boosts: array[float],
         long: bytes, outside: float, k: int, totals: np.ndarray, marks: np.ndarray,
         first: np.ndarray, /) -> list[tuple[float, int, int, bytes]]: ...

def position(blob: np.ndarray, offsets: np.ndarray, key: bytes, lo: int, /) -> int: ...
