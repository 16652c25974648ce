"""The answer engine's front door: everything a face (Telegram, the command line, evaluation)
needs, and nothing else. Faces import from here, never from the modules behind it.

    from retrieval import AnswerEngine
    answer = AnswerEngine.from_folder("seeds").answer("Qui a signé la lettre ?")
"""

from .analysis import fold_apostrophes
from .articles import (FILE_TYPES, MAX_BYTES, REMOVED_FOLDER, ArticleError, add_article, add_file,
                       remove_article)
from .documents import CorpusError, Document, Paragraph, parse_md, parse_txt
from .engine import (BACKENDS, Answer, AnswerEngine, Context, IndexStore, build_xapian, parse_remote,
                     update_xapian)
from .excerpts import Excerpt, Source
from .index import IndexUnavailable
from .watch import article_changes, rebuilt

__all__ = [
    "BACKENDS",
    "IndexStore",
    "IndexUnavailable",
    "build_xapian",
    "parse_remote",
    "update_xapian",
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
    "Paragraph",
    "Source",
    "add_article",
    "add_file",
    "article_changes",
    "fold_apostrophes",
    "parse_md",
    "parse_txt",
    "rebuilt",
    "remove_article",
]
