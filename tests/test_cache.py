"""The memory index's store: used when the corpus is unchanged, rebuilt when it or anything
that shapes the index changed, never unpickled, never a source of quoted text."""

from __future__ import annotations

import json
import os
import pickle
import random
import time
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

import retrieval.articles.documents
import retrieval.articles.files
import retrieval.index.memory_store
import retrieval.index.memory
from conftest import compiled_memory
from retrieval import AnswerEngine, IndexStore
from retrieval.text.analysis import DOCUMENT_ANALYZER, QUESTION_WORDS, STOP_WORDS, french_analyzer
from retrieval.articles.corpus import digest
from retrieval.index.memory_store import (article_files, cache_path, corpus_key,
                                          load_indexed_corpus, write_store)
from retrieval.articles.documents import load_corpus
from retrieval.articles.files import CorpusError, read_articles
from retrieval.index.contract import BM25
from retrieval.index.memory import Analyses, MemoryIndex, Outlines, Postings, Vocabulary
from retrieval.text.sentences import sentence_spans

ARTICLES = {
    "a.txt": "Le Pentagone\n\nLa lettre annonçait le retrait des troupes d'Irak.\n\n"
             "Le général Milley a démenti.\n",
    "b.txt": "Le vote\n\nLe Parlement irakien a voté une résolution en janvier.\n",
}


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "corpus"
    folder.mkdir()
    for name, text in ARTICLES.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


@pytest.fixture
def cache_dir(tmp_path: Path) -> Path:
    return tmp_path / "cache"


@pytest.fixture
def analyses(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many times passages were analysed (one entry per analysis, its passage count)."""
    calls: list[int] = []
    count_terms = retrieval.index.memory._count

    def counting(texts, count, *args, **kwargs):
        calls.append(count)
        return count_terms(texts, count, *args, **kwargs)

    monkeypatch.setattr(retrieval.index.memory, "_count", counting)
    return calls


def answer(folder: Path, cache_dir: Path) -> list[tuple[str, int]]:
    """Where the index finds "lettre" and "parlement", as (document, paragraph)."""
    _, index = load_indexed_corpus(folder, cache_dir)
    return [(m.document, m.paragraph) for m in index.search(["lettr", "parl"], 5)]


def test_unchanged_corpus_is_not_analysed_again(corpus, cache_dir, analyses) -> None:
    first = answer(corpus, cache_dir)
    second = answer(corpus, cache_dir)
    assert analyses == [3]
    assert first == second == [("a", 1), ("b", 1)]
    stored = cache_path(corpus, cache_dir)
    assert sorted(p.suffix for p in stored.iterdir()) == [".json"] + [".npy"] * 14


def edit_keeping_size_and_mtime(path: Path, old: str, new: str) -> None:
    """The article's words replaced by as many bytes, its mtime given back (`touch -d`)."""
    stat = path.stat()
    path.write_text(ARTICLES[path.name].replace(old, new), encoding="utf-8")
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert (path.stat().st_size, path.stat().st_mtime_ns) == (stat.st_size, stat.st_mtime_ns)


def test_changed_file_invalidates_even_with_the_same_size_and_mtime(
    corpus, cache_dir, analyses
) -> None:
    answer(corpus, cache_dir)
    edit_keeping_size_and_mtime(corpus / "b.txt", "Parlement irakien", "Sénat irakien xx")
    assert answer(corpus, cache_dir) == [("a", 1)]
    assert analyses == [3, 1]  # b.txt's one passage only


def test_added_and_removed_files_invalidate(corpus, cache_dir, analyses) -> None:
    answer(corpus, cache_dir)
    (corpus / "c.md").write_text("# Bagdad\n\nUne autre lettre du Parlement.\n", encoding="utf-8")
    assert answer(corpus, cache_dir) == [("c", 1), ("a", 1), ("b", 1)]
    (corpus / "a.txt").unlink()
    assert answer(corpus, cache_dir) == [("c", 1), ("b", 1)]
    assert analyses == [3, 1, 0]  # the added article only, then nothing


# Issue 17: a start from the store read and hashed every article file (3 s of 4 at 1M
# passages). Now a file whose status (size, mtime, ctime, inode) is as stored is not read.

@pytest.fixture
def later(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every check of the files made 10 s after they were written, as at a real restart:
    none of them is racy (files.RACY_NS)."""
    clock = time.time_ns
    monkeypatch.setattr(retrieval.index.memory_store, "time",
                        SimpleNamespace(time_ns=lambda: clock() + 10 * 10**9))


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The article files read to check the store (their names)."""
    names: list[str] = []
    read = retrieval.index.memory_store.read_article_status

    def reading(path: Path):
        names.append(path.name)
        return read(path)

    monkeypatch.setattr(retrieval.index.memory_store, "read_article_status", reading)
    return names


def test_a_restart_reads_no_unchanged_file_and_answers_the_same(corpus, cache_dir, later, reads
                                                                ) -> None:
    first = AnswerEngine.from_folder(corpus, IndexStore(cache_dir=cache_dir))
    assert sorted(reads) == ["a.txt", "b.txt"]
    again = AnswerEngine.from_folder(corpus, IndexStore(cache_dir=cache_dir))
    assert sorted(reads) == ["a.txt", "b.txt"]  # none read the second time
    for question in QUESTIONS:
        assert again.answer(question) == first.answer(question)
        assert again.answer(question).excerpts




def test_a_file_edited_with_its_size_and_mtime_given_back_is_read_again(
        corpus, cache_dir, later, reads, analyses) -> None:
    """Its ctime changed, which no tool sets back."""
    answer(corpus, cache_dir)
    edit_keeping_size_and_mtime(corpus / "b.txt", "Parlement irakien", "Sénat irakien xx")
    reads.clear()
    assert answer(corpus, cache_dir) == [("a", 1)]
    assert reads == ["b.txt"] and analyses == [3, 1]


def unseen_change(monkeypatch: pytest.MonkeyPatch, path: Path, text: str) -> None:
    """The file rewritten with `text`, its status as it was: a change that keeps size, mtime,
    ctime and inode (the clock set back, a disk edited offline), whether its status is looked
    up by its path or by the file opened."""
    files = retrieval.articles.files
    status, inode = files.file_status(path), path.stat().st_ino
    path.write_text(text, encoding="utf-8")
    status_now = files.status_of
    monkeypatch.setattr(files, "status_of",
                        lambda found: status if found.st_ino == inode else status_now(found))


CHANGED_B = ARTICLES["b.txt"].replace("une résolution", "le budget de l'armée")


def test_a_racy_file_is_read_again_even_when_its_status_is_the_same(
        corpus, cache_dir, monkeypatch, reads) -> None:
    """Checked within RACY_NS of its last change, a file may have changed again in the same
    tick of the file system's clock: it is read, whatever its status says."""
    AnswerEngine.from_folder(corpus, IndexStore(cache_dir=cache_dir))
    unseen_change(monkeypatch, corpus / "b.txt", CHANGED_B)
    reads.clear()
    engine = AnswerEngine.from_folder(corpus, IndexStore(cache_dir=cache_dir))
    assert sorted(reads) == ["a.txt", "b.txt"]
    assert "budget" in engine.answer("Qui a voté le budget de l'armée ?").excerpts[0].text


def test_a_change_no_status_shows_is_not_seen_at_start_and_never_quoted(
        corpus, cache_dir, monkeypatch, later, reads, caplog) -> None:
    """The limit of the status: such a file keeps its stored passages, which rank but are
    not quoted, as its content is no longer the one indexed (every quote reads its file)."""
    AnswerEngine.from_folder(corpus, IndexStore(cache_dir=cache_dir))
    unseen_change(monkeypatch, corpus / "b.txt", CHANGED_B)
    reads.clear()
    engine = AnswerEngine.from_folder(corpus, IndexStore(cache_dir=cache_dir))
    assert reads == []
    answer_ = engine.answer("Qui a voté une résolution ?")
    assert all(e.source.document != "b" for e in answer_.excerpts + answer_.nearest)
    assert "article b changed since it was indexed" in caplog.text


# Issue 17: the first quote of an article read the whole file, hashed and decoded it. Now a
# file whose status is the one stored with its digest is read at the quoted paragraph's bytes
# only, quoted if they are the bytes indexed.

EDGES = {  # a byte order mark, CRLF lines, accents and a character of four bytes
    "c.md": "\ufeff---\r\ntitle: Le budget\r\ndate: 2020-01-05\r\n---\r\n\r\n"
            "Les députés 😀 ont voté le budget de l'armée.\r\n\r\n"
            "Les commentaires sont fermés.\r\n\r\nLe Sénat a voté la réforme des retraites.\r\n",
}


def test_answers_read_only_the_quoted_paragraphs_and_quote_as_parsing_would(
        corpus, cache_dir, later, whole_reads) -> None:
    """Every quote's text, span and source as from the parsed articles, with no article file
    read whole: byte order mark, front matter, CRLF lines, leftovers and characters of several
    bytes before the paragraph included."""
    for name, text in EDGES.items():
        (corpus / name).write_bytes(text.encode())
    parsed = AnswerEngine(load_corpus(corpus))
    AnswerEngine.from_folder(corpus, IndexStore(cache_dir=cache_dir))
    engine = AnswerEngine.from_folder(corpus, IndexStore(cache_dir=cache_dir))
    asked = [*QUESTIONS, "Qui a voté le budget de l'armée ?", "Qui a voté la réforme ?"]
    quoted = []
    for question in asked:
        answer_ = engine.answer(question)
        assert answer_ == parsed.answer(question)
        quoted += answer_.excerpts + answer_.nearest
    assert {e.source.document for e in quoted} == {"a", "b", "c"}
    assert whole_reads == []


EDITS = {  # the file's words as indexed → as edited, outside the quoted paragraph
    "the same size, bytes in place": ("Le Pentagone", "Le Pentagon!"),
    "characters moved, bytes in place": ("annonçait", "annoncait"[:-1] + " t"),
    "offsets shifted": ("Le Pentagone", "Le Pentagone américain"),
}


@pytest.mark.parametrize("edit", EDITS.values(), ids=EDITS.keys())
def test_an_article_edited_outside_the_quoted_paragraph_is_not_quoted_until_indexed_again(
        corpus, cache_dir, later, edit) -> None:
    """Its title, its paragraphs' numbers or their places in its text may have changed: its
    status says it is not the file indexed, and it is not quoted (its paragraph's bytes still
    are those indexed, where they were: not enough)."""
    engine = AnswerEngine.from_folder(corpus, IndexStore(cache_dir=cache_dir))
    before = engine.answer("Qui a démenti ?")
    assert before.excerpts[0].source.document == "a"
    path = corpus / "a.txt"
    path.write_text(ARTICLES["a.txt"].replace(*edit), encoding="utf-8")
    stale = engine.answer("Qui a démenti ?")
    assert all(e.source.document != "a" for e in stale.excerpts + stale.nearest)
    fresh = AnswerEngine.from_folder(corpus, IndexStore(cache_dir=cache_dir)).answer(
        "Qui a démenti ?")
    text = path.read_text(encoding="utf-8")
    assert fresh.excerpts[0].source.document == "a"
    assert text[fresh.excerpts[0].source.start:fresh.excerpts[0].source.end] == \
        fresh.excerpts[0].text


UNSEEN = {  # b.txt as indexed → as changed without its status showing it
    "in the paragraph, the same size": ("une résolution", "une révolution"),
    "in the paragraph": ("une résolution", "le budget de l'armée"),
    "cut short": ("une résolution en janvier.\n", "une"),
}


@pytest.mark.parametrize("change", UNSEEN.values(), ids=UNSEEN.keys())
def test_a_paragraph_changed_without_its_status_showing_it_is_never_quoted(
        corpus, cache_dir, monkeypatch, later, caplog, change) -> None:
    """The quoted paragraph's bytes are read and their digest checked: other bytes, or fewer,
    are not quoted (the whole file is read then, and is not the one indexed)."""
    AnswerEngine.from_folder(corpus, IndexStore(cache_dir=cache_dir))
    unseen_change(monkeypatch, corpus / "b.txt", ARTICLES["b.txt"].replace(*change))
    engine = AnswerEngine.from_folder(corpus, IndexStore(cache_dir=cache_dir))
    answer_ = engine.answer("Qui a voté une résolution ?")
    assert all(e.source.document != "b" for e in answer_.excerpts + answer_.nearest)
    assert "article b changed since it was indexed" in caplog.text


def asked_again_then_edited(corpus: Path, cache_dir: Path, reads: list[str]) -> None:
    """Ask about b.txt (it is read: in `reads`), again (nothing read), then edit it keeping its
    size and mtime and ask once more: not quoted from the index of its old content; `reads`
    then holds what that last question read."""
    engine = AnswerEngine.from_folder(corpus, IndexStore(cache_dir=cache_dir))
    first = engine.answer("Qui a voté une résolution ?")
    assert first.answered and "b.txt" in reads
    reads.clear()
    assert engine.answer("Qui a voté une résolution ?") == first
    assert reads == []
    edit_keeping_size_and_mtime(corpus / "b.txt", "une résolution", "un traité xxxx")
    stale = engine.answer("Qui a voté une résolution ?")
    assert all(e.source.document != "b" for e in stale.excerpts + stale.nearest)


def test_a_paragraph_read_alone_is_read_again_only_when_its_status_changed(
        corpus, cache_dir, later, monkeypatch) -> None:
    """Quoted again, a paragraph costs a stat; its file edited since (given back its size and
    mtime, even) is read again, and not quoted from the index of its old content."""
    import retrieval.articles.corpus as corpus_module

    reads: list[str] = []
    read = corpus_module.read_unchanged
    monkeypatch.setattr(corpus_module, "read_unchanged",
                        lambda path, *place: reads.append(Path(path).name) or read(path, *place))
    asked_again_then_edited(corpus, cache_dir, reads)
    assert "b.txt" in reads


def test_an_article_gone_or_replaced_by_a_link_is_not_quoted(corpus, cache_dir, later,
                                                              tmp_path) -> None:
    engine = AnswerEngine.from_folder(corpus, IndexStore(cache_dir=cache_dir))
    assert engine.answer("Qui a démenti ?").excerpts[0].source.document == "a"
    elsewhere = tmp_path / "a.txt"
    os.rename(corpus / "a.txt", elsewhere)
    assert not engine.answer("Qui a démenti ?").excerpts
    (corpus / "a.txt").symlink_to(elsewhere)
    assert not engine.answer("Qui a démenti ?").excerpts


def test_a_store_of_the_previous_format_is_rebuilt_and_answers_rightly(corpus, cache_dir,
                                                                         later, analyses
                                                                         ) -> None:
    """A store written before each passage's analysis was kept in one slice (format 6: its
    words, sentences and title in three files) is not read as this one: it is built anew,
    and quotes are read as parsing would."""
    parsed = AnswerEngine(load_corpus(corpus))
    AnswerEngine.from_folder(corpus, IndexStore(cache_dir=cache_dir))
    analyses.clear()
    stored = cache_path(corpus, cache_dir)
    (stored / "analyses.npy").rename(stored / "words.npy")
    (stored / "analysis_data.npy").rename(stored / "word_data.npy")
    meta = json.loads((stored / "meta.json").read_text(encoding="utf-8"))
    (stored / "meta.json").write_text(json.dumps({**meta, "format": "6"}), encoding="utf-8")
    engine = AnswerEngine.from_folder(corpus, IndexStore(cache_dir=cache_dir))
    assert analyses == [3]
    for question in QUESTIONS:
        assert engine.answer(question) == parsed.answer(question)


def test_a_file_changed_while_answering_is_not_quoted_until_indexed_again(corpus, cache_dir
                                                                          ) -> None:
    """The memory index's answers read their files: a file changed since start is not quoted
    from the index of its old content; the next engine (the watcher's, a restart) quotes it."""
    engine = AnswerEngine.from_folder(corpus, IndexStore(cache_dir=cache_dir))
    assert engine.answer("Qui a voté une résolution ?").answered
    (corpus / "b.txt").write_text(CHANGED_B, encoding="utf-8")
    stale = engine.answer("Qui a voté une résolution ?")
    assert all(e.source.document != "b" for e in stale.excerpts + stale.nearest)
    fresh = AnswerEngine.from_folder(corpus, IndexStore(cache_dir=cache_dir))
    assert "budget" in fresh.answer("Qui a voté le budget de l'armée ?").excerpts[0].text


def test_a_quoted_file_is_read_again_only_when_its_status_changed(corpus, cache_dir,
                                                                   whole_reads,
                                                                   monkeypatch) -> None:
    """Once read, an article quoted again costs a stat; a file edited since (even given back
    its size and mtime) is read again, and not quoted from the index of its old content."""
    import retrieval.articles.corpus as corpus_module

    clock = time.time_ns
    monkeypatch.setattr(corpus_module, "time", SimpleNamespace(time_ns=lambda: clock() + 10**10))
    asked_again_then_edited(corpus, cache_dir, whole_reads)
    assert whole_reads == ["b.txt"]


def other_statuses(path: Path) -> None:
    np.save(path, np.load(path) + 1)


def float_statuses(path: Path) -> None:
    np.save(path, np.load(path).astype(np.float64))


def too_few_statuses(path: Path) -> None:
    np.save(path, np.load(path)[:-1])


def not_an_array(path: Path) -> None:
    path.write_bytes(b"not an array")


@pytest.mark.parametrize("damage",
                         [other_statuses, float_statuses, too_few_statuses, not_an_array])
def test_damaged_statuses_have_every_file_read(corpus, cache_dir, later, reads, analyses,
                                               damage) -> None:
    AnswerEngine.from_folder(corpus, IndexStore(cache_dir=cache_dir))
    damage(cache_path(corpus, cache_dir) / "statuses.npy")
    reads.clear()
    engine = AnswerEngine.from_folder(corpus, IndexStore(cache_dir=cache_dir))
    assert sorted(reads) == ["a.txt", "b.txt"] and analyses == [3]
    assert engine.answer("Qui a voté une résolution ?").answered
    reads.clear()
    AnswerEngine.from_folder(corpus, IndexStore(cache_dir=cache_dir))
    assert reads == []  # their statuses stored again


def test_editing_the_stop_words_rebuilds_the_index(corpus, cache_dir, analyses, monkeypatch
                                                   ) -> None:
    """As if "lettre" had been added to the stop list of retrieval/analysis.py."""
    assert answer(corpus, cache_dir) == [("a", 1), ("b", 1)]
    edited = french_analyzer(frozenset({"lettre"}))
    for part in ("steps", "_plain_steps", "_known"):
        monkeypatch.setattr(DOCUMENT_ANALYZER, part, getattr(edited, part))
    assert answer(corpus, cache_dir) == [("b", 1)]
    assert analyses == [3, 3]


def digests(folder: Path) -> dict[str, str]:
    """Each article file's digest, by name: what the store's key hashes."""
    return {path.name: digest(content) for path, content in read_articles(folder).items()}


def test_the_key_follows_the_analysis_and_bm25_not_comments(corpus) -> None:
    contents = digests(corpus)
    key = corpus_key(contents)
    assert corpus_key(contents, french_analyzer()) == key  # the same chain built again
    assert corpus_key(contents, french_analyzer(frozenset({"lettre"}))) != key
    assert corpus_key(contents, french_analyzer(QUESTION_WORDS)) != key
    assert corpus_key(contents, bm25=BM25(k1=1.2)) != key
    assert "lettre" not in STOP_WORDS


def test_elisions_and_stemmer_are_part_of_the_key(corpus, monkeypatch) -> None:
    contents = digests(corpus)
    key = corpus_key(contents)
    from retrieval.text import analysis

    monkeypatch.setitem(analysis.strip_elision.settings, "elisions", ["l"])
    assert corpus_key(contents) != key
    monkeypatch.undo()
    english = analysis.Analyzer([*analysis.DOCUMENT_ANALYZER.steps[:-2],
                                 analysis.SnowballStep("english"),
                                 analysis.DOCUMENT_ANALYZER.steps[-1]])
    assert corpus_key(contents, english) != key


def damage_weights(path: Path) -> None:
    weights = np.load(path / "weights.npy")
    np.save(path / "weights.npy", weights[::-1].copy())


def truncate(path: Path) -> None:
    target = path / "passages.npy"
    target.write_bytes(target.read_bytes()[: target.stat().st_size // 2])


def garbage(path: Path) -> None:
    (path / "meta.json").write_bytes(b"not an index at all")


def wrong_types(path: Path) -> None:
    np.save(path / "starts.npy", np.load(path / "starts.npy").astype(np.float32))


@pytest.mark.parametrize("damage", [truncate, garbage, wrong_types])
def test_damaged_store_is_rebuilt_not_trusted(corpus, cache_dir, analyses, damage, caplog
                                             ) -> None:
    answer(corpus, cache_dir)
    damage(cache_path(corpus, cache_dir))
    assert answer(corpus, cache_dir) == [("a", 1), ("b", 1)]
    assert analyses == [3, 3]
    assert "rebuilding" in caplog.text
    assert answer(corpus, cache_dir) == [("a", 1), ("b", 1)]
    assert analyses == [3, 3]


def test_damaged_weights_rank_badly_but_quote_only_the_articles(corpus, cache_dir) -> None:
    AnswerEngine.from_folder(corpus, IndexStore(cache_dir=cache_dir))
    damage_weights(cache_path(corpus, cache_dir))
    answer_ = AnswerEngine.from_folder(corpus, IndexStore(cache_dir=cache_dir)).answer(
        "Qui a voté une résolution ?")
    for excerpt in answer_.excerpts:
        text = (corpus / f"{excerpt.source.document}.txt").read_text(encoding="utf-8")
        assert text[excerpt.source.start:excerpt.source.end] == excerpt.text


FORGED = "Le Parlement irakien a voté la dissolution de l'armée américaine."


def test_a_forged_store_with_a_recomputed_key_cannot_make_the_bot_quote_other_text(
    corpus, cache_dir
) -> None:
    """An attacker who can write the cache folder stores an index of an article that is in no
    file (and of a file they name), under the right key: the bot quotes only the articles."""
    forged_corpus = corpus.parent / "forged"
    forged_corpus.mkdir()
    (forged_corpus / "b.txt").write_text(f"Le vote\n\n{FORGED}\n\n{FORGED}\n", encoding="utf-8")
    (forged_corpus / "z.txt").write_text(f"Faux\n\n{FORGED}\n", encoding="utf-8")
    _, forged = load_indexed_corpus(forged_corpus, cache_dir)
    real = digests(corpus)
    forged.digests = [real.get(f"{d}.txt", "0" * 16) for d in forged.documents]
    write_store(cache_path(corpus, cache_dir), corpus_key(real), forged,
                article_files(corpus, None), time.time_ns())

    engine = AnswerEngine.from_folder(corpus, IndexStore(cache_dir=cache_dir))
    answer_ = engine.answer("Qui a voté la dissolution de l'armée américaine ?", 10)
    quoted = " ".join(e.text for e in answer_.excerpts)
    assert "dissolution" not in quoted
    for excerpt in answer_.excerpts:
        text = (corpus / f"{excerpt.source.document}.txt").read_text(encoding="utf-8")
        assert text[excerpt.source.start:excerpt.source.end] == excerpt.text


QUESTIONS = ["Qui a voté une résolution ?", "Qui a démenti ?", "Que annonçait la lettre ?"]


def test_answers_from_the_store_parse_no_article_and_quote_as_parsing_would(
        corpus, cache_dir, monkeypatch) -> None:
    """The store keeps where each paragraph stands and which are page leftovers: an answer
    slices its quotes from the file as read, with the same sources as from parsed articles."""
    (corpus / "c.md").write_text("---\ntitle: La session\nurl: https://example.org/c\n"
                                 "date: 2020-01-05\n---\n\nLes députés ont voté.\n\n"
                                 "Les commentaires sont fermés.\n\nLa session a duré.\n",
                                 encoding="utf-8")
    parsed = AnswerEngine(load_corpus(corpus))
    AnswerEngine.from_folder(corpus, IndexStore(cache_dir=cache_dir))
    monkeypatch.setattr(retrieval.articles.documents, "parse_txt", None)
    monkeypatch.setattr(retrieval.articles.documents, "parse_md", None)
    stored = AnswerEngine.from_folder(corpus, IndexStore(cache_dir=cache_dir))
    for question in [*QUESTIONS, "Qui a voté à la session ?"]:
        assert stored.answer(question) == parsed.answer(question)
    assert stored.answer("Qui a voté à la session ?").excerpts[0].source.url == \
        "https://example.org/c"


def shift_outlines(path: Path) -> None:
    for name in ("paragraph_starts", "paragraph_ends"):
        np.save(path / f"{name}.npy", np.load(path / f"{name}.npy") + 1000)


def swap_outlines(path: Path) -> None:
    starts, ends = np.load(path / "paragraph_starts.npy"), np.load(path / "paragraph_ends.npy")
    np.save(path / "paragraph_starts.npy", starts[::-1].copy())
    np.save(path / "paragraph_ends.npy", ends[::-1].copy())


def shift_bytes(path: Path) -> None:
    places = np.load(path / "paragraph_places.npy").reshape(-1, 3)
    places[:, :2] += 1  # each paragraph's byte start and end
    np.save(path / "paragraph_places.npy", places.reshape(-1))


@pytest.mark.parametrize("damage", [shift_outlines, swap_outlines, shift_bytes])
def test_an_outline_that_does_not_fit_its_article_is_not_trusted(corpus, cache_dir, later,
                                                                 damage) -> None:
    """Outlines of other files: the article is parsed instead, or at worst another stretch of
    the same file is quoted; never text that is not in it. A paragraph whose bytes, or whose
    span in the text, are not those its digest was taken of is not read alone."""
    fresh = AnswerEngine(load_corpus(corpus))
    AnswerEngine.from_folder(corpus, IndexStore(cache_dir=cache_dir))
    damage(cache_path(corpus, cache_dir))
    engine = AnswerEngine.from_folder(corpus, IndexStore(cache_dir=cache_dir))
    for question in QUESTIONS:
        answer_ = engine.answer(question)
        if damage is not swap_outlines:  # parsed, or read as indexed: the same answers
            assert answer_ == fresh.answer(question)
        for excerpt in answer_.excerpts:
            text = (corpus / f"{excerpt.source.document}.txt").read_text(encoding="utf-8")
            assert text[excerpt.source.start:excerpt.source.end] == excerpt.text


class Exploit:
    """Unpickling this runs code: it would create the file named in the test."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def test_a_crafted_pickle_in_the_store_is_never_executed(corpus, cache_dir, tmp_path) -> None:
    AnswerEngine.from_folder(corpus, IndexStore(cache_dir=cache_dir))
    stored = cache_path(corpus, cache_dir)
    marker = tmp_path / "pwned"
    payload = np.empty(1, dtype=object)
    payload[0] = Exploit(marker)
    for name in ("terms", "starts", "passages", "weights", "first"):
        np.save(stored / f"{name}.npy", payload, allow_pickle=True)
    (stored / "documents.pkl").write_bytes(pickle.dumps(Exploit(marker)))
    engine = AnswerEngine.from_folder(corpus, IndexStore(cache_dir=cache_dir))
    assert not marker.exists()
    assert engine.answer("Qui a démenti ?").answered


def test_a_store_is_memory_mapped_plain_arrays(corpus, cache_dir) -> None:
    _, index = load_indexed_corpus(corpus, cache_dir)
    _, index = load_indexed_corpus(corpus, cache_dir)
    assert isinstance(index.postings.weights.base, np.memmap)
    meta = json.loads((cache_path(corpus, cache_dir) / "meta.json").read_text(encoding="utf-8"))
    assert meta["documents"] == ["a", "b"]


def test_by_default_the_cache_is_in_the_users_cache_folder(corpus, tmp_path, monkeypatch
                                                          ) -> None:
    """So that a read-only corpus folder is cached too."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    corpus.chmod(0o555)
    try:
        load_indexed_corpus(corpus)
    finally:
        corpus.chmod(0o755)
    assert cache_path(corpus).is_relative_to(tmp_path / "xdg" / "citebot")
    assert cache_path(corpus).is_dir()
    assert not (corpus / ".cache").exists()


def test_cache_dir_holds_the_cache_of_each_corpus(corpus, tmp_path, cache_dir) -> None:
    other = tmp_path / "other"
    other.mkdir()
    (other / "z.txt").write_text("Titre\n\nUn tout autre article.\n", encoding="utf-8")
    load_indexed_corpus(corpus, cache_dir)
    load_indexed_corpus(other, cache_dir)
    assert sorted(cache_dir.iterdir()) == sorted([cache_path(corpus, cache_dir),
                                                  cache_path(other, cache_dir)])


def unreadable(names: set[str], error: OSError):
    """os.open raising `error` for the named files, as for a file without read permission
    (chmod 000 does not stop root, who runs CI)."""
    open_file = os.open

    def opened(path, *args, **kwargs) -> int:
        if Path(path).name in names:
            raise error
        return open_file(path, *args, **kwargs)

    return opened


@pytest.mark.parametrize("error", [
    PermissionError(13, "Permission denied"),
    FileNotFoundError(2, "No such file or directory"),  # gone since the folder was listed
    OSError(5, "Input/output error"),
])
def test_an_unreadable_file_is_skipped_with_one_warning_on_every_run(
    corpus, cache_dir, monkeypatch, caplog, error
) -> None:
    monkeypatch.setattr(os, "open", unreadable({"a.txt"}, error))
    for _ in range(2):  # built, then from the cache
        caplog.clear()
        engine = AnswerEngine.from_folder(corpus, IndexStore(cache_dir=cache_dir))
        assert engine.article_ids() == ["b"]
        assert engine.answer("Qui a voté une résolution ?").answered
        warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
        assert warnings == [f"skipped a.txt: {error.strerror}"]


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode")
def test_a_file_without_read_permission_is_skipped(corpus, cache_dir) -> None:
    (corpus / "a.txt").chmod(0)
    try:
        engine = AnswerEngine.from_folder(corpus, IndexStore(cache_dir=cache_dir))
    finally:
        (corpus / "a.txt").chmod(0o644)
    assert engine.article_ids() == ["b"]


def test_only_unreadable_files_is_a_corpus_error(corpus, cache_dir, monkeypatch) -> None:
    monkeypatch.setattr(os, "open", unreadable(set(ARTICLES), PermissionError(13, "x")))
    with pytest.raises(CorpusError):
        load_indexed_corpus(corpus, cache_dir)


def test_missing_folder_is_a_corpus_error(tmp_path: Path) -> None:
    with pytest.raises(CorpusError):
        load_indexed_corpus(tmp_path / "nowhere")


def test_vocabulary_finds_terms_and_prefixes() -> None:
    vocabulary = Vocabulary.of(["pentagon", "été", "lettr", "lettre", "leur", "zèbre"])
    assert [vocabulary.find(t) for t in ("lettr", "lettre", "lett", "zèbre")] == [0, 1, None, 4]
    assert vocabulary.starting("let") == ["lettr", "lettre"]
    assert vocabulary.starting("é") == ["été"]
    assert vocabulary.starting("x") == []
    empty = Postings(Vocabulary.of([]), np.zeros(1, np.int64), np.zeros(0, np.int32),
                     np.zeros(0), np.zeros(0, np.int32), np.zeros(0, np.int32))
    empty.check()
    no_outlines = Outlines(*[np.zeros(0, np.int64)] * 3, [])
    no_analyses = Analyses.of([])
    assert MemoryIndex(empty, [], np.zeros(1, np.int64), no_outlines,
                       no_analyses).search(["x"], 3) == []


@pytest.mark.parametrize("compiled", [True, False])
def test_a_large_vocabulary_finds_every_term_and_prefix_as_a_sorted_list_does(
        compiled: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    """Terms across many of the binary search's fences (every FENCE_STEP-th term kept apart):
    each term, and each word between or beyond them, found where a sorted list has it, by the
    compiled search and by the Python one, the reference."""
    from retrieval.index import memory

    monkeypatch.setattr(memory, "_memory", compiled_memory() if compiled else None)
    rng = random.Random(3)
    terms = sorted({"".join(rng.choices("aeélnrst", k=rng.randint(1, 7))) for _ in range(3000)})
    vocabulary = Vocabulary.of(terms)
    assert [vocabulary.find(t) for t in terms] == list(range(len(terms)))
    absent = [t + "z" for t in terms] + [t[:-1] for t in terms] + ["", "0", "\U0010ffff", "zzz"]
    assert [vocabulary.find(t) for t in absent if t not in terms] == [None] * len(
        [t for t in absent if t not in terms])
    for prefix in ["", "a", "é", "ze", "z"] + [t[:n] for t in terms[::37] for n in (1, 2, 3)]:
        assert vocabulary.starting(prefix) == [t for t in terms if t.startswith(prefix)]


def test_cache_dir_setting_and_the_index_command(corpus, tmp_path, monkeypatch, capsys) -> None:
    from bot.terminal.cli import main

    monkeypatch.setenv("CACHE_DIR", str(tmp_path / "elsewhere"))
    assert main(["index", "--corpus", str(corpus)]) == 0
    assert capsys.readouterr().out == "indexed 2 articles, 3 passages (the memory index's cache)\n"
    assert cache_path(corpus, tmp_path / "elsewhere").is_dir()
    assert main(["index", "--shards", "2", "--corpus", str(corpus)]) == 2
    assert "--shards and --update go with --xapian DIR" in capsys.readouterr().err


# Issue 18: every change re-read and re-analysed the whole folder (a 20 MB article: a deleted
# article still quoted for 13 s). Now only the new and changed articles are analysed.

def write_articles(folder: Path, documents) -> None:
    for d in documents:
        (folder / f"{d.id}.txt").write_text(f"{d.title}\n\n{d.text}", encoding="utf-8")


def stored_arrays(index: MemoryIndex) -> dict[str, bytes]:
    p = index.postings
    return {"terms": p.vocabulary.blob.tobytes(), "offsets": p.vocabulary.offsets.tobytes(),
            "starts": p.starts.tobytes(), "passages": p.passages.tobytes(),
            "weights": p.weights.tobytes(), "counts": p.counts.tobytes(),
            "lengths": p.lengths.tobytes(), "first": index.first.tobytes(),
            "documents": "\n".join(index.documents).encode(),
            "outlines": index.outlines.starts.tobytes() + index.outlines.ends.tobytes()
            + json.dumps(index.outlines.headers).encode(),
            "analyses": b"".join(a[0:len(a)].tobytes() for a in vars(index.analyses).values())}


@pytest.mark.parametrize("seed", range(8))
def test_an_index_brought_up_to_date_is_the_same_to_the_bit_as_one_built_anew(seed, tmp_path,
                                                                              analyses):
    from test_index import random_corpus

    rng = random.Random(seed)
    folder = tmp_path / "corpus"
    folder.mkdir()
    documents, _ = random_corpus(rng)
    write_articles(folder, documents)
    load_indexed_corpus(folder, tmp_path / "kept")
    others, _ = random_corpus(rng)  # new words too, and the removed ones' words gone
    if len(documents) > 1:
        (folder / f"{documents[0].id}.txt").unlink()
    for d in others[:2]:
        (folder / f"new-{d.id}.txt").write_text(f"{d.title}\n\n{d.text}", encoding="utf-8")
    changed = documents[-1]
    (folder / f"{changed.id}.txt").write_text(f"{changed.title}\n\n{others[-1].text}",
                                              encoding="utf-8")
    _, updated = load_indexed_corpus(folder, tmp_path / "kept")
    _, anew = load_indexed_corpus(folder, tmp_path / "anew")
    assert stored_arrays(updated) == stored_arrays(anew)
    if len(documents) > 2:  # some kept as they were: fewer passages analysed
        assert analyses[1] < analyses[2]
    _, again = load_indexed_corpus(folder, tmp_path / "kept")  # as stored: the same again
    assert stored_arrays(again) == stored_arrays(anew)
    kept = AnswerEngine.from_folder(folder, IndexStore(cache_dir=tmp_path / "kept"))
    fresh = AnswerEngine.from_folder(folder, IndexStore(cache_dir=tmp_path / "anew"))
    words = [w for d in others for w in d.text.split()[:3]]
    for question in [" ".join(words[i:i + 3]) for i in range(0, len(words), 3)]:
        assert kept.answer(question) == fresh.answer(question)


# An article of about 2 MB: analysing it takes a couple of seconds; a tenth of the 20 MB one of
# the issue, so as not to load a shared machine.
BIG_PARAGRAPHS = 20_000


def test_with_a_big_article_a_deleted_article_is_gone_without_analysing_the_big_one_again(
        tmp_path, analyses):
    from retrieval import rebuilt

    folder = tmp_path / "corpus"
    folder.mkdir()
    words = "le port de Marseille accueille des navires et les dockers votent".split()
    (folder / "big.txt").write_text("Un long article\n\n" + "\n\n".join(
        " ".join(words[(n + k) % len(words)] for k in range(12)) + f" numéro {n}."
        for n in range(BIG_PARAGRAPHS)), encoding="utf-8")
    for name, text in ARTICLES.items():
        (folder / name).write_text(text, encoding="utf-8")
    store = IndexStore(cache_dir=tmp_path / "cache")
    engine = AnswerEngine.from_folder(folder, store)
    assert engine.answer("Qui a voté une résolution ?").answered
    assert analyses == [BIG_PARAGRAPHS + 3]
    (folder / "b.txt").unlink()
    started = time.monotonic()
    engine = rebuilt(engine, folder, frozenset({folder / "b.txt"}))
    took = time.monotonic() - started
    assert not engine.answer("Qui a voté une résolution ?").answered
    (folder / "b.txt").write_text(ARTICLES["b.txt"], encoding="utf-8")
    engine = rebuilt(engine, folder, frozenset({folder / "b.txt"}))
    assert engine.answer("Qui a voté une résolution ?").answered
    assert analyses == [BIG_PARAGRAPHS + 3, 0, 1]  # the big article never again
    print(f"rebuilt without the deleted article in {took:.2f} s")
    assert took < 30, took  # about 0.3 s alone; its whole analysis again took seconds


# Paragraphs whose analysis is easy to get wrong: accents, apostrophes typed and typeset,
# elisions, numbers, abbreviations and initials (not a sentence's end), a long paragraph.
MIXED = {
    "accents.txt": "Élections à Besançon\n\nL’État a signé l'accord : « Où est-ce ? » "
                   "Aujourd'hui, M. Dupont (J.-C.) répond. Ça coûte 3,5 % de plus en 2019 !\n\n"
                   "Les élèves de 6e ont 12 ans… Qu’ils viennent à 18 h. Fin.\n",
    "long.txt": "Un long texte\n\n" + " ".join(
        f"Phrase numéro {n} où l'été de {1900 + n} fut chaud, dit Mme Él{n}." for n in range(3000))
    + "\n",
}


def stored_words(index: MemoryIndex, document) -> list:
    """Each paragraph's words and sentences as the index keeps them."""
    return [index.words(document.id, p.number) for p in document.paragraphs]


def analysed_words(document) -> list:
    """Each paragraph's words and sentences and its title's terms as the analyzer finds
    them."""
    return [(*DOCUMENT_ANALYZER.columns(p.text), sentence_spans(p.text),
             frozenset(DOCUMENT_ANALYZER.terms(document.title))) for p in document.paragraphs]


@pytest.mark.parametrize("compiled", [True, False])
def test_the_stored_analysis_is_the_analyzers_and_kept_through_an_update(
        tmp_path, compiled, monkeypatch) -> None:
    """What answering reads instead of analysing a paragraph: each word's term and span and
    each sentence's span, as the analyzer and sentence_spans give them (read in C and in
    Python, the reference), as built and as stored; an article kept when another changes
    keeps them (its term ids renumbered in the new vocabulary, a few passages at a time)."""
    from retrieval.index import memory

    monkeypatch.setattr(memory, "_memory", compiled_memory() if compiled else None)
    monkeypatch.setattr(memory, "RENUMBER_PASSAGES", 2)
    folder = tmp_path / "corpus"
    folder.mkdir()
    for name, text in {**MIXED, **ARTICLES}.items():
        (folder / name).write_text(text, encoding="utf-8")
    documents = {d.id: d for d in load_corpus(folder)}
    assert len(documents["long"].paragraphs[0].text) > 100_000
    built = load_indexed_corpus(folder, tmp_path / "cache")[1]
    stored = load_indexed_corpus(folder, tmp_path / "cache")[1]
    for document in documents.values():
        for index in (built, stored):
            assert [tuple(w) for w in stored_words(index, document)] == analysed_words(document)
    # New words sorted before and among the kept ones: every kept term id moves.
    (folder / "b.txt").write_text("Abeilles\n\nAbricots, zèbres et accords à Besançon.\n",
                                  encoding="utf-8")
    _, updated = load_indexed_corpus(folder, tmp_path / "cache")
    for document in load_corpus(folder):
        assert [tuple(w) for w in stored_words(updated, document)] == analysed_words(document)
    assert updated.words("a", 3) is None and updated.words("nowhere", 1) is None


def test_a_store_of_another_sentence_splitter_is_rebuilt(corpus, cache_dir, analyses,
                                                         monkeypatch) -> None:
    """The store keeps each paragraph's sentences: the code that cuts them is part of its
    key, as the analysis is."""
    assert answer(corpus, cache_dir) == [("a", 1), ("b", 1)]
    from retrieval.index import signature

    real = signature.code_fingerprint
    monkeypatch.setattr(signature, "code_fingerprint", lambda path: real(path) + (
        "-edited" if path.name == "sentences.py" else ""))
    assert answer(corpus, cache_dir) == [("a", 1), ("b", 1)]
    assert analyses == [3, 3]


@pytest.mark.parametrize("compiled", [True, False])
@pytest.mark.parametrize("part, field, change", [
    ("word", 2, 1000), ("word", 1, -1000), ("word", 0, 10**6), ("word", 0, -10**6),
    ("sentence", 1, 1000), ("title", 0, 10**6), ("count", 0, 10**6), ("count", 1, -10**6)])
def test_damaged_stored_words_are_not_read(corpus, cache_dir, part, field, change, compiled,
                                           monkeypatch) -> None:
    """Offsets beyond the paragraph, terms beyond the vocabulary, counts beyond the numbers
    stored: those paragraphs are analysed when read, as with an index that keeps no
    analysis, and the answer is the same (read in C and in Python, the reference)."""
    from retrieval.index import memory

    monkeypatch.setattr(memory, "_memory", compiled_memory() if compiled else None)
    question = "Qui a voté une résolution ?"
    expected = AnswerEngine.from_folder(corpus, IndexStore(cache_dir=cache_dir)).answer(question)
    stored = cache_path(corpus, cache_dir)
    offsets, data = np.load(stored / "analyses.npy"), np.load(stored / "analysis_data.npy")
    for at, end in zip(offsets[:-1], offsets[1:]):  # a passage: 2 counts, words, sentences, title
        words, sentences = at + 2, at + 2 + 3 * data[at]
        title = sentences + 2 * data[at + 1]
        start, stop, step = {"count": (at, words, 1), "word": (words, sentences, 3),
                             "sentence": (sentences, title, 2), "title": (title, end, 1)}[part]
        data[start + field:stop:step] += np.int32(change)
    np.save(stored / "analysis_data.npy", data)
    engine = AnswerEngine.from_folder(corpus, IndexStore(cache_dir=cache_dir))
    assert engine.index.words("b", 1) is None
    assert engine.answer(question) == expected


def test_the_compiled_reader_refuses_terms_that_do_not_fit_the_vocabulary(corpus,
                                                                         cache_dir) -> None:
    """The compiled reader keeps each term it decodes at its position in a list as long as
    the vocabulary: a shorter list is refused, not written past its end."""
    passage_words = compiled_memory().passage_words
    index = AnswerEngine.from_folder(corpus, IndexStore(cache_dir=cache_dir)).index
    assert isinstance(index, MemoryIndex)
    analyses, vocabulary = index.analyses, index.postings.vocabulary
    data = analyses.data[int(analyses.offsets[0]):int(analyses.offsets[1])]
    starts, ends, _ = index._places
    length, blob, offsets = int(ends[0] - starts[0]), vocabulary.blob, vocabulary.offsets
    assert passage_words(data, length, blob, offsets, [None] * len(vocabulary)) is not None
    with pytest.raises(ValueError):
        passage_words(data, length, blob, offsets, [None] * (len(vocabulary) - 1))
