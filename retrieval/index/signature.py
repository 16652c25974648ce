"""The index signature: everything in the running code that decides a stored index's terms
and weights, as one string. A stored index (the memory index's store, a Xapian database)
records the signature it was built under; one built under another is stale, never trusted.

What decides an index is code, so the signature fingerprints the code itself: the source of
each module that shapes it (the analysis chain and its word lists, the article parser and its
page-leftover patterns, what a passage is indexed by, the index's own weighting), read as
Python's syntax tree without comments or docstrings, so that editing those keeps a stored
index and any change of logic, constant or list does not. Then the stemmer's version (its
rules live in a compiled library), the analyzer's own description (a custom chain given by a
caller), and BM25's parameters when the index stores weights.
"""

from __future__ import annotations

import ast
import hashlib
import json
from functools import cache
from pathlib import Path
from types import ModuleType

from ..articles import documents
from ..text import analysis
from . import contract
from .contract import BM25

# The modules every index is made by: terms (analysis), passages (documents) and what a
# passage is indexed by (contract).
SHAPING_MODULES: tuple[ModuleType, ...] = (analysis, documents, contract)


@cache
def code_fingerprint(path: Path) -> str:
    """A hash of a module's source as a syntax tree: its logic and constants, not its comments,
    docstrings or layout."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if (isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
                and body and isinstance(body[0], ast.Expr)
                and isinstance(body[0].value, ast.Constant) and isinstance(body[0].value.value, str)):
            node.body = body[1:] or [ast.Pass()]
    return hashlib.sha256(ast.dump(tree).encode()).hexdigest()[:16]


def index_signature(backend: ModuleType, analyzer: analysis.Analyzer = analysis.DOCUMENT_ANALYZER,
                    bm25: BM25 | None = None, stored: tuple[ModuleType, ...] = ()) -> str:
    """The signature of an index built by `backend`'s module with this analyzer (and, for an
    index that stores BM25 weights, these parameters; `stored`: the other modules whose
    output it keeps, as the memory index keeps each paragraph's sentences)."""
    modules = (*SHAPING_MODULES, backend, *stored)
    return json.dumps({
        "code": {m.__name__.rsplit(".", 1)[-1]: code_fingerprint(Path(str(m.__file__)))
                 for m in modules},
        "analyzer": analyzer.signature(),
        "bm25": None if bm25 is None else [bm25.k1, bm25.b],
    }, sort_keys=True)
