"""memory.py's inner loops in compiled code (_memory.c): their types, for the type checker."""

from array import array

import numpy as np

from .contract import Match

def best(passages: np.ndarray, weights: np.ndarray, spans: array[int], boosts: array[float],
         long: bytes | bytearray, outside: float, runs: array[int], tie: float, k: int,
         totals: np.ndarray, marks: np.ndarray, first: np.ndarray, query: list[str],
         names: list[str], digests: list[str] | None, match: type[Match], /) -> list[Match]: ...

def position(blob: np.ndarray, offsets: np.ndarray, key: bytes, lo: int,
             exact: bool = False, /) -> int: ...

def passage_words(data: np.ndarray, length: int, blob: np.ndarray, offsets: np.ndarray,
                  terms: list[str | None], /
                  ) -> tuple[list[str], list[int], list[int], list[tuple[int, int]],
                             frozenset[str]] | None: ...
