"""The index cache: used when the corpus is unchanged, rebuilt when it changed or is damaged."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import retrieval.cache
import retrieval.index
from retrieval.cache import cache_file, load_indexed_corpus
from retrieval.documents import CorpusError

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
def analyses(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many times a corpus was analysed (one entry per analysis, its passage count)."""
    calls: list[int] = []
    analyse = retrieval.index.analyse

    def counting(texts, count, *args, **kwargs):
        calls.append(count)
        return analyse(texts, count, *args, **kwargs)

    monkeypatch.setattr(retrieval.index, "analyse", counting)
    return calls


def answer(folder: Path) -> list[tuple[str, int]]:
    """Where the index finds "lettre" and "parlement", as (document, paragraph)."""
    _, index = load_indexed_corpus(folder)
    return [(h.passage.document.id, h.passage.paragraph.number)
            for h in index.search(["lettr", "parl"], 5)]


def test_unchanged_corpus_is_not_analysed_again(corpus: Path, analyses: list[int]) -> None:
    first = answer(corpus)
    second = answer(corpus)
    assert analyses == [3]
    assert first == second == [("a", 1), ("b", 1)]
    assert cache_file(corpus).exists()


def test_changed_file_invalidates_even_with_the_same_size_and_mtime(
    corpus: Path, analyses: list[int]
) -> None:
    answer(corpus)
    path = corpus / "b.txt"
    stat = path.stat()
    path.write_text(ARTICLES["b.txt"].replace("Parlement irakien", "Sénat irakien xx"), encoding="utf-8")
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert path.stat().st_size == stat.st_size
    assert answer(corpus) == [("a", 1)]
    assert analyses == [3, 3]


def test_added_and_removed_files_invalidate(corpus: Path, analyses: list[int]) -> None:
    answer(corpus)
    (corpus / "c.md").write_text("# Bagdad\n\nUne autre lettre du Parlement.\n", encoding="utf-8")
    assert answer(corpus) == [("c", 1), ("a", 1), ("b", 1)]
    (corpus / "a.txt").unlink()
    assert answer(corpus) == [("c", 1), ("b", 1)]
    assert analyses == [3, 4, 2]


def test_other_analysis_settings_invalidate(
    corpus: Path, analyses: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    answer(corpus)
    monkeypatch.setattr(retrieval.cache, "ANALYSIS_VERSION", "another analysis")
    answer(corpus)
    assert analyses == [3, 3]


def damage_text(path: Path) -> None:
    """Change one letter of the stored articles: only the zip CRC can tell."""
    data = bytearray(path.read_bytes())
    at = data.index("démenti".encode())
    data[at] = ord("x")
    path.write_bytes(bytes(data))


def truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def garbage(path: Path) -> None:
    path.write_bytes(b"not an index at all")


@pytest.mark.parametrize("damage", [damage_text, truncate, garbage])
def test_damaged_cache_is_rebuilt_not_trusted(
    corpus: Path, analyses: list[int], damage, caplog: pytest.LogCaptureFixture
) -> None:
    answer(corpus)
    damage(cache_file(corpus))
    documents, _ = load_indexed_corpus(corpus)
    assert "démenti" in documents[0].text
    assert analyses == [3, 3]
    assert "rebuilding" in caplog.text
    assert answer(corpus) == [("a", 1), ("b", 1)]
    assert analyses == [3, 3]


def test_cache_dir_holds_the_cache_of_each_corpus(corpus: Path, tmp_path: Path) -> None:
    other = tmp_path / "other"
    other.mkdir()
    (other / "z.txt").write_text("Titre\n\nUn tout autre article.\n", encoding="utf-8")
    cache_dir = tmp_path / "cache"
    load_indexed_corpus(corpus, cache_dir)
    load_indexed_corpus(other, cache_dir)
    assert sorted(cache_dir.iterdir()) == sorted([cache_file(corpus, cache_dir), cache_file(other, cache_dir)])
    assert not (corpus / ".cache").exists()


def test_missing_folder_is_a_corpus_error(tmp_path: Path) -> None:
    with pytest.raises(CorpusError):
        load_indexed_corpus(tmp_path / "nowhere")
