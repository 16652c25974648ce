"""The compiled windows' functions (_windows.c): their types, for the type checker."""

import numpy as np

def windows(best: np.ndarray, around: np.ndarray, sentence_passage: np.ndarray,
            bases: np.ndarray, spans: np.ndarray, sentence_of: np.ndarray, tokens: np.ndarray,
            shares: np.ndarray, max_sentences: int,
            max_chars: int, in_order_chars: int, pairs: int, ints: np.ndarray,
            floats: np.ndarray, covered: np.ndarray, row_of: np.ndarray, /) -> int: ...

def bests(first: np.ndarray, middle: np.ndarray, last: np.ndarray, facts: tuple[np.ndarray, ...],
          rows: int, out: np.ndarray, /) -> None: ...

def leaves(row: np.ndarray, feature: np.ndarray, threshold: np.ndarray, left: np.ndarray,
           right: np.ndarray, width: int, depth: int, out: np.ndarray, /) -> None: ...
