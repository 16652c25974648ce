"""The answer engine's front door: everything a face (Telegram, the command line) needs, and
nothing else. Faces import from here, never from the packages behind it.

    from retrieval import AnswerEngine
    answer = AnswerEngine.from_folder("seeds").answer("Qui a signé la lettre ?")

Behind it the folders follow the data's one-way walk: `text/` (analysis, spelling,
translation, vectors, sentences) ← `articles/` (files, documents, corpus, web pages, watcher)
← `index/` (the contract, memory index and its store, Xapian) ← `answer/` (question, features,
ranker, selection) ← `engine.py` and `evaluation.py`.

Answering needs only the engine: live articles (httpx, trafilatura), the watcher (watchfiles)
and evaluation are imported the first time one of their names is used, so that `ask` does not
pay for them.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from .answer.answerability import ANSWERED, NONE, UNSURE
from .answer.followup import Previous
from .answer.results import Answer, Context, Excerpt, Source
from .articles.documents import Document, Paragraph, parse_md, parse_txt
from .articles.files import (DEFAULT_ARTICLE_MAX_BYTES, REMOVED_FOLDER, ArticleError, CorpusError,
                             PrivateAddresses, replaced_atomically, set_article_max_bytes)
from .engine import AnswerEngine, rebuilt
from .index.backends import BACKENDS, IndexStore, build_xapian, update_xapian
from .index.contract import IndexUnavailable
from .index.remote import parse_remote
from .text.analysis import fold_apostrophes

if TYPE_CHECKING:
    from . import evaluation
    from .articles.feeds import FeedPoller, FeedReport
    from .articles.watch import article_changes
    from .articles.web import FILE_TYPES, MAX_BYTES, add_article, add_file, add_page, remove_article

# The names loaded when first used, and the module that holds each.
_LAZY = {
    **dict.fromkeys(("FILE_TYPES", "MAX_BYTES", "add_article", "add_file", "add_page",
                     "remove_article"), ".articles.web"),
    "article_changes": ".articles.watch",
    **dict.fromkeys(("FeedPoller", "FeedReport"), ".articles.feeds"),
    "evaluation": ".evaluation",
}


def __getattr__(name: str) -> Any:
    """A live-article or watcher name, or the evaluation module, imported now (PEP 562)."""
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    module = importlib.import_module(_LAZY[name], __name__)
    value = module if module.__name__.endswith(f".{name}") else getattr(module, name)
    globals()[name] = value
    return value


__all__ = [
    "ANSWERED",
    "NONE",
    "UNSURE",
    "BACKENDS",
    "DEFAULT_ARTICLE_MAX_BYTES",
    "FILE_TYPES",
    "MAX_BYTES",
    "REMOVED_FOLDER",
    "Answer",
    "AnswerEngine",
    "ArticleError",
    "Context",
    "CorpusError",
    "Document",
    "Excerpt",
    "FeedPoller",
    "FeedReport",
    "IndexStore",
    "IndexUnavailable",
    "Paragraph",
    "PrivateAddresses",
    "Previous",
    "Source",
    "add_article",
    "add_file",
    "add_page",
    "article_changes",
    "build_xapian",
    "fold_apostrophes",
    "parse_md",
    "parse_remote",
    "parse_txt",
    "rebuilt",
    "remove_article",
    "replaced_atomically",
    "set_article_max_bytes",
    "update_xapian",
    "evaluation",
]
