"""The index scores as rank-bm25 (with the Lucene idf) does."""

from __future__ import annotations

import io
import itertools
import math
import random
import sys
from array import array
from collections import Counter
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from conftest import compiled_memory
from retrieval.articles.documents import Document, Paragraph, load_corpus
from retrieval.index.contract import GROUP_TIE, Match, grouped
from retrieval.index.memory import LuceneBM25, MemoryIndex, analyse, passage_terms

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


def document(doc_id: str, paragraphs: list[str]) -> Document:
    text, spans = "", []
    for p in paragraphs:
        spans.append((len(text), len(text) + len(p)))
        text += p + "\n\n"
    return Document(doc_id, doc_id, text, tuple(
        Paragraph(n, s, e, text[s:e]) for n, (s, e) in enumerate(spans, start=1)))


def random_corpus(rng: random.Random) -> tuple[list[Document], list[str]]:
    """Documents of passages drawn from a small vocabulary, so that terms repeat; some
    passages hold only stop words."""
    vocabulary = ["".join(rng.choice("bcdfglmnprstv") + rng.choice("aeiouéè") for _ in range(3))
                  for _ in range(rng.randint(5, 60))]
    words = vocabulary + ["le", "la", "des", "L'État", "qu'il"]
    documents = []
    for d in range(rng.randint(1, 6)):
        paragraphs = [" ".join(rng.choices(words, k=rng.randint(1, 40))) for _ in range(rng.randint(1, 12))]
        paragraphs.append("le la des")
        documents.append(document(f"doc{d}", paragraphs))
    return documents, vocabulary


@pytest.mark.parametrize("seed", range(30))
def test_scores_are_rank_bm25_scores_with_the_lucene_idf(seed: int) -> None:
    rng = random.Random(seed)
    documents, vocabulary = random_corpus(rng)
    index = MemoryIndex.build(documents)
    terms = list(passage_terms(documents))
    rows = {(d.id, p.number): i for i, (d, p) in enumerate(
        (d, p) for d in documents for p in d.paragraphs)}
    reference = LuceneBM25(terms)
    known = sorted({t for passage in terms for t in passage})
    for _ in range(20):
        query = rng.choices(known + ["inconnu"], k=rng.randint(1, 5))
        weights = {t: rng.choice([0.0, 0.5, 1.0, 3.7]) for t in query} if rng.random() < 0.5 else None
        k = rng.randint(1, 10)
        distinct = list(dict.fromkeys(query))
        # Alternatives for one question word (an English word's senses) count once: the
        # best one's score and GROUP_TIE of the others'.
        groups = {t: rng.randint(0, 2) for t in distinct} if rng.random() < 0.5 else None
        scores = {t: (1.0 if weights is None else weights[t]) * reference.get_scores([t])
                  for t in distinct}
        expected = sum(best + GROUP_TIE * (total - best) for best, total in (
            (np.max(held, axis=0), np.sum(held, axis=0)) for held in (
                [scores[t] for t in run] for run in grouped(distinct, groups or {}))))
        hits = index.search(query, k, weights, groups)
        best = sorted((s for s in expected if s > 0), reverse=True)[:k]
        assert [h.score for h in hits] == pytest.approx(best, abs=1e-9, rel=0)
        for hit in hits:
            i = rows[hit.document, hit.paragraph]
            assert hit.score == pytest.approx(expected[i], abs=1e-9, rel=0)
            assert hit.matched == set(distinct) & set(terms[i])
    for term in known:
        assert index.idf(term) == pytest.approx(reference.idf[term], abs=1e-12)
    n = len(index)
    assert index.idf("inconnu") == pytest.approx(math.log(1 + (n + 0.5) / 0.5))


@pytest.mark.parametrize("seed", range(10))
def test_every_way_of_adding_up_and_choosing_ranks_to_the_bit_alike(seed, monkeypatch) -> None:
    """A question that reads many postings adds them up in a dense array, one with few
    candidates picks its top k by one sort, and the compiled scorer does both its own way (the
    fast paths): the same passages, scores to the last bit, terms held and order of ties as
    np.unique's sums and a partition's top k."""
    import retrieval.index.memory as memory

    compiled = compiled_memory()
    rng = random.Random(seed)
    documents, _ = random_corpus(rng)
    documents.append(document("copies", [documents[0].paragraphs[0].text] * 3))  # ties
    index = MemoryIndex.build(documents)
    known = sorted({t for passage in passage_terms(documents) for t in passage})
    # Half the questions with groups of alternatives (an English word's senses), interleaved.
    queries = [(rng.choices(known, k=rng.randint(1, 7)), rng.randint(1, 10),
                {t: rng.choice([0.0, 0.5, 1.0, 3.7]) for t in known},
                {t: rng.randint(0, 2) for t in known} if n % 2 else None) for n in range(40)]
    # The reference: numpy, never dense, the top k by a partition.
    monkeypatch.setattr(memory, "_memory", None)
    monkeypatch.setattr(memory, "DENSE_SHARE", 0)
    monkeypatch.setattr(memory, "SORTED_TOP_MAX", 0)
    reference = [index.search(*query) for query in queries]
    for dense, sorted_top in ((0, math.inf), (math.inf, 0), (math.inf, math.inf)):
        monkeypatch.setattr(memory, "DENSE_SHARE", dense)
        monkeypatch.setattr(memory, "SORTED_TOP_MAX", sorted_top)
        assert [index.search(*query) for query in queries] == reference
    monkeypatch.setattr(memory, "_memory", compiled)
    assert [index.search(*query) for query in queries] == reference
    assert not index._scratch[0].any() and not index._scratch[1].any()  # left as found


def test_reading_long_columns_only_where_the_rarer_terms_are_ranks_to_the_bit_alike(
        monkeypatch) -> None:
    """Max-score pruning (a common term read only at the passages of the rarer ones, by the
    compiled scorer) finds the same passages, scores to the last bit, terms held and order of
    ties as the numpy reference reading every posting; it is tried when it may pay, and both
    its ways are taken: the long columns left unread, or read after all."""
    import retrieval.index.memory as memory

    compiled = compiled_memory()
    cut = []  # for each question tried with long columns: whether they were left unread

    grouped_cut = []  # the same, for questions with a group of several terms

    def best(*args):
        found = compiled.best(*args)
        long, outside, runs, k = args[4], args[5], args[6], args[8]
        if any(long):
            (grouped_cut if runs else cut).append(len(found) == k and found[k - 1].score > outside)
        return found

    for seed in range(10):
        rng = random.Random(seed)
        documents, _ = random_corpus(rng)
        common = "Les nouvelles du jour"  # in most passages: long columns
        documents = [document(d.id, [f"{p.text} {common}" if rng.random() < 0.9 else p.text
                                     for p in d.paragraphs]) for d in documents]
        documents.append(document("copies", [documents[0].paragraphs[0].text] * 3))  # ties
        known = sorted({t for passage in passage_terms(documents) for t in passage})
        long = ["nouvel", "jour"]
        # The common terms weigh less, mostly (as a question's common words do), not always.
        # Half the questions with groups of alternatives, a common term alone or beside a
        # rarer one or the other common one.
        queries = [(rng.choices(known, k=rng.randint(1, 4)) + rng.sample(long, rng.randint(1, 2)),
                    rng.randint(1, 8), {t: rng.choice([0.0, 0.1, 0.3, 1.0] if t in long
                                                      else [0.0, 1.0, 3.7, 9.0]) for t in known},
                    {t: rng.randint(0, 2) for t in known} if n % 2 else None)
                   for n in range(60)]
        index = MemoryIndex.build(documents)
        monkeypatch.setattr(memory, "_memory", None)
        reference = [index.search(*query) for query in queries]
        monkeypatch.setattr(memory, "_memory", SimpleNamespace(best=best, position=compiled.position))
        for share, ratio in ((1.5, 0), (3, 0), (3, memory.PRUNE_RATIO), (math.inf, 0)):
            monkeypatch.setattr(memory, "LONG_SHARE", share)
            monkeypatch.setattr(memory, "PRUNE_RATIO", ratio)  # 0: pruning always tried
            assert [index.search(*query) for query in queries] == reference
    assert sum(cut) >= 200 and sum(grouped_cut) >= 50
    assert len(cut) - sum(cut) >= 200 and len(grouped_cut) - sum(grouped_cut) >= 50


def test_the_compiled_scorer_ranks_the_seed_article_as_the_reference(monkeypatch) -> None:
    """On a real article (the demo one of seeds/), every pair and triple of its commonest terms
    and some of its rarest: the same passages, scores to the bit, terms held, ties and the
    digest of each passage's article, when the index keeps them."""
    import retrieval.index.memory as memory

    compiled = compiled_memory()
    documents = load_corpus(SEEDS)
    built = MemoryIndex.build(documents)
    index = MemoryIndex(built.postings, built.documents, built.first, built.outlines,
                        built.analyses, built.bm25, [f"digest of {d}" for d in built.documents])
    counts = Counter(t for passage in passage_terms(documents) for t in passage)
    common = [t for t, _ in counts.most_common(12)]
    rare = [t for t, n in counts.items() if n == 1][:12]
    queries = [list(q) for size in (1, 2, 3) for q in itertools.combinations(common, size)]
    queries += [[r, c] for r, c in zip(rare, common)]
    for k in (1, 3, 10):
        monkeypatch.setattr(memory, "_memory", None)
        reference = [index.search(q, k) for q in queries]
        monkeypatch.setattr(memory, "_memory", compiled)
        assert [index.search(q, k) for q in queries] == reference
    assert any(len(r) == len(index) for r in reference)  # every passage ranked
    assert reference[0][0].digest == f"digest of {reference[0][0].document}"


def test_the_compiled_scorer_refuses_postings_beyond_its_passages() -> None:
    """Postings that name a passage the index has not (a damaged store) are refused, not
    read or written past the scratch, which is left all zero for the next question."""
    best = compiled_memory().best
    totals, marks = np.zeros(3), np.zeros(3, dtype=np.uint8)
    first = np.zeros(2, dtype=np.int64)
    for long in (b"\0", b"\1"):
        with pytest.raises(ValueError):
            best(np.array([1, 7], dtype=np.int32), np.ones(2), np.array([0, 2], dtype=np.int64),
                 np.ones(1), long, 0.0, array("q"), 0.0, 1, totals, marks, first, ["t"], ["a"],
                 None, Match)
        assert not totals.any() and not marks.any()
    with pytest.raises(ValueError):  # a span beyond the postings
        best(np.array([1], dtype=np.int32), np.ones(1), np.array([0, 5], dtype=np.int64),
             np.ones(1), b"\0", 0.0, array("q"), 0.0, 1, totals, marks, first, ["t"], ["a"],
             None, Match)


def test_ties_come_in_corpus_order() -> None:
    index = MemoryIndex.build([document("a", ["lettre signée", "autre chose", "lettre signée"])])
    hits = index.search(["lettr"], 5)
    assert [h.paragraph for h in hits] == [1, 3]


def test_indexing_is_quiet_outside_a_terminal(capsys: pytest.CaptureFixture[str]) -> None:
    analyse(["une lettre signée"] * 30_000, 30_000)
    assert capsys.readouterr().err == ""


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_indexing_a_large_corpus_shows_progress_on_a_terminal(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    analyse(["une lettre signée"] * 30_000, 30_000)
    assert "indexing" in terminal.getvalue() and "30000/30000" in terminal.getvalue()
