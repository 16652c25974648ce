"""The compiled windows' one function (_windows.c): its types, for the type checker."""

import numpy as np

def windows(best: np.ndarray, around: np.ndarray, sentence_passage: np.ndarray,
            bases: np.ndarray, spans: np.ndarray, sentence_of: np.ndarray, tokens: np.ndarray,
            shares: np.ndarray, max_sentences: int,
            max_chars: int, in_order_chars: int, pairs: int, ints: np.ndarray,
            floats: np.ndarray, covered: np.ndarray, row_of: np.ndarray, /) -> int: ...
