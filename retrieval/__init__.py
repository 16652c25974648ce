"""The answer engine's front door: everything a face (Telegram, the command line, evaluation)
needs, and nothing else. Faces import from here, never from the modules behind it.

    from retrieval import AnswerEngine
    answer = AnswerEngine.from_folder("seeds").answer("Qui a signé la lettre ?")
"""

from .analysis import fold_apostrophes
from .documents import CorpusError, Document, Paragraph, parse_md, parse_txt
from .engine import Answer, AnswerEngine, Context
from .excerpts import Excerpt, Source

__all__ = [
    "Answer",
    "AnswerEngine",
    "Context",
    "CorpusError",
    "Document",
    "Excerpt",
    "Paragraph",
    "Source",
    "fold_apostrophes",
    "parse_md",
    "parse_txt",
]
