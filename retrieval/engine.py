"""The answer engine: question in, verbatim excerpts with their sources out; and a new engine
when the articles change.

A question walks one way: the question's terms (answer/question.py, over text/) → the index's
best passages (index/) → read from their articles (articles/) → windows, features, ranker,
excerpts (answer/)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import replace
from datetime import date
from pathlib import Path

import numpy as np

from .answer.answerability import (ANSWER_QUOTES, ANSWERED, NONE, UNSURE, Answerability,
                                   question_inputs, quote_inputs, shipped_answerability)
from .answer.features import FEATURES, Candidate, Question, candidates
from .answer.followup import Previous, conversation, leans_on_previous, merged
from .answer.question import Coverage, Query, held_senses, parse_query, rarity
from .answer.ranker import WindowRanker, shipped_ranker
from .answer.results import Answer, Context, Excerpt, Hit, Judged, Source
from .answer.selection import Chosen, best_excerpts
from .articles.corpus import Corpus
from .articles.documents import Document
from .articles.files import CorpusError
from .index.backends import IndexStore, open_index, update_xapian
from .index.contract import Index, Match
from .index.memory import MemoryIndex
from .text.dates import Period, article_day, asked_period, without_period
from .text.frequency import is_word
from .text.spelling import Speller
from .text.translation import shipped_dictionary
from .text.vectors import shipped_vectors

log = logging.getLogger(__name__)

# How many passages are read for excerpts: 6 does as well as 8 on PIAF, a quarter faster.
CANDIDATE_PASSAGES = 6
# Share of the question (each word weighted by its rarity in general language) that the best
# passage must hold to count as an answer. A share, not a raw BM25 score, so it means the same
# on one article as on a million passages (chosen on the dev questions and PIAF: README).
MIN_COVERAGE = 0.3
# When the engine is not sure, it shows at most this many nearest passages, labelled as such.
NEAREST_QUOTES = 2
# A passage of an article of the time a question names (« hier », "in March 2021") scores this
# many times its BM25 score: it wins between articles on the same subject, and does not bring
# up an article on another one.
DATE_BOOST = 2.0
# A passage of an article the previous answer quoted, for a follow-up: preferred, not imposed.
PREFERRED_BOOST = 1.5
# With a preference, this many times CANDIDATE_PASSAGES are ranked before it is applied, so
# that a preferred passage just out of the first few can come in.
PREFERENCE_POOL = 5


class AnswerEngine:
    """Holds the corpus and its index; safe to share between concurrent callers (read-only)."""

    def __init__(self, documents: Sequence[Document], index: Index | None = None,
                 store: IndexStore = IndexStore(), ranker: WindowRanker | None = None,
                 answerability: Answerability | None = None) -> None:
        """An engine over the documents (a Corpus, or documents already parsed) and their
        index (built in memory when not given); `store` says how it was opened, so that it
        can be opened again the same way when the articles change; `ranker` chooses the
        quotes and `answerability` says whether they answer (by default the ones shipped,
        learned on PIAF)."""
        self._corpus = documents if isinstance(documents, Corpus) else Corpus.of(documents)
        self.index = MemoryIndex.build(documents, bm25=store.bm25) if index is None else index
        self.store = store
        self.speller = Speller(self.index.terms_starting, self.index.__contains__)
        self.ranker = shipped_ranker(FEATURES) if ranker is None else ranker
        self.answerability = (shipped_answerability(FEATURES) if answerability is None
                              else answerability)
        self.vectors = shipped_vectors()
        self.dictionary = shipped_dictionary()

    @classmethod
    def from_folder(cls, folder: str | Path, store: IndexStore = IndexStore()) -> AnswerEngine:
        """An engine over the articles of a corpus folder (CorpusError if there is none): the
        memory index through its store on disk, or the Xapian databases (IndexUnavailable,
        a ConnectionError, if one cannot be opened)."""
        return cls(*open_index(folder, store), store)

    @property
    def articles(self) -> Sequence[Document]:
        """The articles it answers from, in a fixed order (each parsed when first read)."""
        return self._corpus

    def article_ids(self) -> list[str]:
        """The articles' ids, in order, without parsing them."""
        return self._corpus.ids

    def passage_count(self) -> int:
        """How many passages its index holds."""
        return len(self.index)

    def answer(self, question: str, top_k: int = 3, previous: Previous | None = None
               ) -> Answer:
        """The best excerpts for the question, each with its confidence, when they likely hold
        the answer; when they may, none but the nearest passages; else nothing. With
        `previous` (what the conversation asked before), a question that leans on it (« et
        pourquoi ? ») is read with it; the answer's `conversation` is what the next leans on."""
        if top_k < 1:
            return Answer(question, ())
        leaned = previous if previous and leans_on_previous(question) else None
        judged = self.judged_quotes(question, max(top_k, ANSWER_QUOTES), leaned)
        excerpts = judged.excerpts
        outcome = (self.answerability.outcome(
            judged.chance, np.array([e.confidence for e in excerpts]), self.passage_count())
                   if excerpts else NONE)
        shown = (excerpts[:top_k] if outcome == ANSWERED
                 else excerpts[:NEAREST_QUOTES] if outcome == UNSURE else ())
        # The first quote shown (answer or nearest) is of the article a follow-up goes on
        # about; the others may be on another subject.
        talk = conversation(question, leaned, [e.source.document for e in shown[:1]])
        if outcome == ANSWERED:
            return Answer(question, shown, conversation=talk)
        return Answer(question, (), shown, conversation=talk)

    def judged_quotes(self, question: str, top_k: int, previous: Previous | None = None
                      ) -> Judged:
        """The ranker's best excerpts, each with its confidence, and the chance that one of
        them holds the answer (0 without any), whether they answer or not."""
        model = self.answerability
        names = model.window_features
        chosen = self.quotes(question, top_k, names, previous)
        if not chosen.excerpts:
            return Judged((), 0.0)
        passages = self.passage_count()
        confidences = model.confidence(quote_inputs(
            model.inputs, chosen.features, names, chosen.scores, chosen.margins, passages,
            chosen.english))
        # The question's row, only where its trees read it (on an archive).
        row = (question_inputs(model.question.inputs, chosen.features, names, chosen.scores,
                               chosen.margins, [(e.source.document, e.source.paragraph)
                                                for e in chosen.excerpts], confidences,
                               chosen.english)
               if model.on_archive(passages) else None)
        return Judged(tuple(Excerpt(e.text, e.score, e.highlights, e.source,
                                    round(float(c), 4))
                            for e, c in zip(chosen.excerpts, confidences)),
                      model.chance(confidences, row, passages))

    def quotes(self, question: str, top_k: int, names: tuple[str, ...] = (),
               previous: Previous | None = None) -> Chosen:
        """The ranker's best excerpts, whether or not they answer, with the window features
        `names` of each, their scores and margins (what answerability reads)."""
        read = self._read(question, previous)
        if read is None or top_k < 1:
            return Chosen([], np.zeros((0, len(names))), np.zeros(0), np.zeros(0))
        return best_excerpts(*read, top_k, self.ranker, self.vectors, names)

    def candidates(self, question: str) -> tuple[list[Candidate], np.ndarray]:
        """Every window the ranker would choose from, with its features (what the ranker is
        trained on); none when the articles do not answer."""
        read = self._read(question)
        if read is None:
            return [], np.zeros((0, len(FEATURES)))
        return candidates(*read, self.vectors)

    def _read(self, question: str, previous: Previous | None = None
              ) -> tuple[list[Hit], Question] | None:
        """The best passages and the question as the excerpts need it, or None when the
        articles do not answer. A period the question names (« hier ») and, for a follow-up,
        the previous answer's articles are preferred. When no passage found is of an article
        of that period, the question is read as asked, as if it named none: its words of time
        may be words of the subject (« la politique d'aujourd'hui », "the Tonight Show")."""
        today = date.today()
        period, searched = asked_period(question, today)
        # The words naming the period (« en 2019 ») that no passage holds are the articles'
        # dates', not words the passages miss: left out of the shares, as the period is read
        # (or, read as asked, as if it named none).
        undated = without_period(question, today) if period is not None else None
        read = self._read_as(searched, period, previous, undated)
        if period is not None and (read is None or not any(
                article_day(hit.passage.document.date) in period for hit in read[0])):
            read = self._read_as(question, None, previous, undated)
        return read

    def _read_as(self, question: str, period: Period | None, previous: Previous | None,
                 undated: str | None = None) -> tuple[list[Hit], Question] | None:
        """The best passages for the question (the articles of `period` and those the previous
        answer quoted preferred) and the question as the excerpts need it; `undated`: the
        question without its period's words."""
        query = parse_query(question, self.dictionary)
        if undated is not None:
            query = self._without_dates(query, parse_query(undated, self.dictionary).boosts)
        if previous is not None:
            query = merged(query, parse_query(previous.words, self.dictionary))
        if query.cognates:
            query = self._held_cognates(query)
        boosts, groups, respelled, mistyped = self._respelled(query)
        if not boosts:
            return None
        preferred = frozenset(previous.documents if previous else ())
        # An English word's senses count once in a passage's score (a French question's
        # terms are each a word of their own).
        senses = groups if query.english else None
        if period is None and not preferred:
            hits = self._hits(self.index.search(list(boosts), CANDIDATE_PASSAGES,
                                                weights=boosts, groups=senses))
        else:
            pool = self.index.search(list(boosts), CANDIDATE_PASSAGES * PREFERENCE_POOL,
                                     weights=boosts, groups=senses)
            hits = _preferred(self._hits(pool), period, preferred)[:CANDIDATE_PASSAGES]
        # The paragraphs read, as the index analysed them (if it keeps that).
        hits = [Hit(h.passage, h.score, h.matched,
                    self.index.words(h.passage.document.id, h.passage.paragraph.number))
                for h in hits]
        # The share of the question's words (each weighted by its rarity in general language,
        # not in the corpus, so that a share means the same on any corpus); an English word
        # weighs there as its best sense a passage holds (question.held_senses).
        shared = (held_senses(boosts, groups, query.cognates, self.index.__contains__)
                  if query.english else boosts)
        if not hits or Coverage(shared, groups)(hits[0].matched) < MIN_COVERAGE:
            return None
        idf = {t: self.index.idf(t) for t in boosts}
        held = {t: idf[t] for t in boosts if t in self.index}  # in the question's order
        # An English word the dictionary cannot translate, held by no passage: its rarity in
        # the articles is unknown, not the highest (a French word would be, not "withdrawal"):
        # it weighs as the question's held words do, on average.
        unknown = [t for t in boosts if t in query.untranslated and t not in held]
        if unknown and held:
            for t in unknown:
                idf[t] = sum(held.values()) / len(held)
        # A sense of an English word that no passage holds, less likely than one held
        # ("letter": « charte » beside « lettre »), is as rare as the held ones, not the rarest
        # of all: it made the word weigh as its unlikelier sense (names keep theirs).
        if query.english:
            for t, boost in boosts.items():
                if t not in held and t not in query.names:
                    likelier = [rarity for h, rarity in held.items()
                                if groups[h] == groups[t] and boosts[h] >= boost]
                    idf[t] = max(likelier, default=idf[t])
        weights = {t: idf[t] * boost for t, boost in boosts.items()}
        names = frozenset(respelled.get(t, t) for t in query.names)
        # A word mistyped and corrected is a word the articles hold, not one they lack.
        lacked = frozenset(c for t, c in respelled.items() if t not in mistyped)
        return hits, Question(weights, groups, query.wanted, names, lacked, query.english)

    def context(self, document_id: str, start: int, end: int) -> Context | None:
        """The paragraph that holds document[start:end], or None when the document or such a
        paragraph is not (or no longer) there."""
        document = self._corpus.get(document_id)
        if document is None:
            return None
        paragraph = next(
            (p for p in document.paragraphs if p.start <= start < end <= p.end), None)
        if not paragraph:
            return None
        source = Source(document.id, document.title, document.url, paragraph.number, start, end,
                        document.date)
        return Context(paragraph.text, (start - paragraph.start, end - paragraph.start), source)

    def _hits(self, matches: list[Match]) -> list[Hit]:
        """The matches as passages read from their articles; a match whose article or
        paragraph is not there (an index of other files, or damaged) is left out."""
        hits = []
        for m in matches:
            passage = self._corpus.passage(m.document, m.paragraph, m.digest)
            if passage is not None:
                hits.append(Hit(passage, m.score, m.matched))
        return hits

    def _held_cognates(self, query: Query) -> Query:
        """The query without the English words as typed (Query.cognates) that no passage
        holds: an alternative that is not a French word would be respelled into another."""
        kept = [t for t in query.boosts if t not in query.cognates or t in self.index]
        return replace(query, boosts={t: query.boosts[t] for t in kept},
                       groups={t: query.groups[t] for t in kept})

    def _without_dates(self, query: Query, undated: dict[str, float]) -> Query:
        """The query without the words naming its period (those not in `undated`, the
        question without them) that no passage holds: the articles' dates answer them
        (« en 2019 »). Kept, at the weight of a word no article holds, they made a right quote
        on the articles of that year "not sure"."""
        dated: dict[int, bool] = {}
        for term in query.boosts:
            group = query.groups[term]
            dated[group] = dated.get(group, True) and (term not in undated
                                                       and term not in self.index)
        kept = [t for t in query.boosts if not dated[query.groups[t]]]
        return replace(query, boosts={t: query.boosts[t] for t in kept},
                       groups={t: query.groups[t] for t in kept})

    def _respelled(self, query: Query
                   ) -> tuple[dict[str, float], dict[str, int], dict[str, str], set[str]]:
        """Each question term that no passage holds replaced by the nearest one that does
        (standing for the same question word); and which term replaced which. A French word
        respelled weighs as the word it was corrected to (« letre » as « lettre »), not as its
        typo, which wordfreq does not know and so counted as the rarest of words: a typo made
        its word weigh more than spelling it right did."""
        if all(map(self.index.__contains__, query.boosts)):  # most questions: none to respell
            return dict(query.boosts), dict(query.groups), {}, set()
        boosts: dict[str, float] = {}
        groups: dict[str, int] = {}
        respelled: dict[str, str] = {}
        mistyped: set[str] = set()
        for term, boost in query.boosts.items():
            group = query.groups[term]
            if term not in self.index:
                typed = query.words.get(term)
                if typed is not None and not is_word(typed):  # a typo, read as the word meant
                    found = self.speller.corrected(typed, term)
                    if found is not None and not found[0]:
                        continue  # a stop word mistyped (« avaeint »)
                    if found is not None:
                        boost = rarity(found[1])
                        if is_word(found[1]):
                            mistyped.add(term)
                    correction = found[0] if found else None
                else:
                    correction = self.speller.nearest(term)
                respelled[term] = term = correction or term
            boosts[term] = max(boosts.get(term, 0.0), boost)
            groups.setdefault(term, group)
        return boosts, groups, respelled, mistyped


def _preferred(hits: list[Hit], period: Period | None, documents: frozenset[str]) -> list[Hit]:
    """The hits ranked again, passages of articles of the period and of the preferred articles
    boosted."""
    def boosted(hit: Hit) -> Hit:
        document = hit.passage.document
        boost = ((DATE_BOOST if period and article_day(document.date) in period else 1.0)
                 * (PREFERRED_BOOST if document.id in documents else 1.0))
        return Hit(hit.passage, hit.score * boost, hit.matched)
    return sorted(map(boosted, hits), key=lambda hit: -hit.score)


def rebuilt(engine: AnswerEngine | None, folder: Path, changed: frozenset[Path]
            ) -> AnswerEngine:
    """The engine for the folder as it is now, built beside `engine`, which keeps answering
    meanwhile, from the same kind of index. The memory index reads the folder again through
    its store, which analyses only the new and changed articles; local Xapian databases
    re-index only the changed articles (remote shards are their operator's to update). A
    folder left without articles gives an engine that answers nothing."""
    store = engine.store if engine else IndexStore()
    if (directory := store.local_xapian_directory()) is not None:
        update_xapian(directory, folder, changed)
    try:
        return AnswerEngine.from_folder(folder, store)
    except CorpusError:
        log.warning("no article in %s: answering from no article", folder)
        return AnswerEngine([])
