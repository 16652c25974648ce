"""What answering yields, as the faces see it: the passages read for a question (Hit), the
verbatim excerpts chosen from them with their sources, the answer, and a quote's context."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..articles.documents import Passage
from ..index.contract import PassageWords
from .answerability import ANSWERED, NONE, UNSURE
from .followup import Previous


@dataclass(frozen=True, slots=True)
class Hit:
    """A ranked passage, read from its article, and which of the query's terms it holds; its
    paragraph's words and sentences when the index keeps them (None: analysed when read)."""

    passage: Passage
    score: float
    matched: frozenset[str]
    words: PassageWords | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Source:
    """Where an excerpt comes from: the document, its paragraph, and the span in the file."""

    document: str
    title: str
    url: str | None
    paragraph: int
    start: int
    end: int
    date: str | None = None


@dataclass(frozen=True, slots=True)
class Excerpt:
    """A verbatim quote, its score, the matched words' spans (relative to the quote), and how
    likely it is to hold the answer (answerability.py)."""

    text: str
    score: float
    highlights: tuple[tuple[int, int], ...]
    source: Source
    confidence: float = 0.0


@dataclass(frozen=True, slots=True)
class Judged:
    """The ranker's best excerpts, each with its confidence, and the chance that one of the
    first ANSWER_QUOTES holds the answer (what the outcome reads), whether they answer or
    not."""

    excerpts: tuple[Excerpt, ...]
    chance: float


@dataclass(frozen=True, slots=True)
class Answer:
    """What the engine says to a question: the excerpts that answer it; or, when it is not
    sure, none but the nearest passages (never to be shown as an answer); or nothing."""

    question: str
    excerpts: tuple[Excerpt, ...]
    nearest: tuple[Excerpt, ...] = ()
    # What a follow-up of this question leans on (answer/followup.py).
    conversation: Previous | None = None

    @property
    def answered(self) -> bool:
        return bool(self.excerpts)

    @property
    def outcome(self) -> str:
        """ANSWERED, UNSURE (only the nearest passages) or NONE."""
        return ANSWERED if self.excerpts else UNSURE if self.nearest else NONE


@dataclass(frozen=True, slots=True)
class Context:
    """The whole paragraph around a quote: what a reader opens to check it."""

    paragraph: str
    quote: tuple[int, int]  # the quote's span in `paragraph`
    source: Source  # the quote's source (its span in the file)
