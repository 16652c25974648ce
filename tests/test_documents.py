"""The loader: titles, paragraphs and their exact offsets, front matter, leftovers, bad files."""

import logging
from pathlib import Path

import pytest

from retrieval.articles.documents import (Outline, is_leftover, load_corpus, load_document,
                                         outlined_article)
from retrieval.articles.files import CorpusError

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


def write(folder: Path, name: str, content: str | bytes) -> Path:
    path = folder / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_bytes(content.encode("utf-8"))
    return path


def assert_offsets(document) -> None:
    for p in document.paragraphs:
        assert document.text[p.start:p.end] == p.text


def test_txt_title_then_paragraphs(tmp_path):
    doc = load_document(write(tmp_path, "a.txt", "Titre\n\nPremier.\nSuite du premier.\n\n\nDeux.\n"))
    assert (doc.id, doc.title, doc.url) == ("a", "Titre", None)
    assert [p.text for p in doc.paragraphs] == ["Premier.\nSuite du premier.", "Deux."]
    assert [p.number for p in doc.paragraphs] == [1, 2]
    assert_offsets(doc)


def test_offsets_are_exact_in_the_file_as_read(tmp_path):
    text = "\ufeffTitre é\r\n\r\n  Café — « déjà » 😀.\r\n\r\nFin.\r\n"
    path = write(tmp_path, "a.txt", text)
    doc = load_document(path)
    assert doc.title == "Titre é"
    assert doc.text == path.read_bytes().decode("utf-8")
    assert [p.text for p in doc.paragraphs] == ["Café — « déjà » 😀.", "Fin."]
    assert_offsets(doc)


def test_md_front_matter_title_url_and_date(tmp_path):
    text = ("---\ntitle: Le titre\nurl: https://example.org/a\ndate: 2020-01-06\n"
            "author: AFP\n---\n\nPremier paragraphe.\n\n## Intertitre\n\nDeux.\n")
    doc = load_document(write(tmp_path, "b.md", text))
    assert (doc.title, doc.url, doc.date) == ("Le titre", "https://example.org/a", "2020-01-06")
    assert [p.text for p in doc.paragraphs] == ["Premier paragraphe.", "Intertitre", "Deux."]
    assert doc.paragraphs[0].start > text.index("---\n\n")  # offsets count the front matter
    assert_offsets(doc)


def test_md_heading_is_the_title_without_front_matter(tmp_path):
    doc = load_document(write(tmp_path, "c.md", "# Un titre\n\nTexte.\n"))
    assert doc.title == "Un titre"
    assert [p.text for p in doc.paragraphs] == ["Texte."]


@pytest.mark.parametrize("leftover", [
    "Les commentaires sont fermés.",
    "Comments are closed.",
    "Ce site Web utilise des cookies pour améliorer votre expérience. Accepter En savoir plus",
    "This website uses cookies to improve your experience.",
    "Partager cet article :",
    "Partagez sur Facebook",
    "Abonnez-vous à notre newsletter",
    "Sign up for our newsletter",
    "Lire aussi : un autre article",
    "© 2020 Le Journal. Tous droits réservés.",
])
def test_page_leftovers_are_recognised(leftover):
    assert is_leftover(leftover)


@pytest.mark.parametrize("text", [
    "Le Parlement irakien a réclamé l'expulsion des soldats étrangers.",
    "La Commission européenne veut encadrer les cookies : " + "les sites devront demander. " * 20,
    "Il a laissé un commentaire amer sur la décision du gouvernement.",
])
def test_article_text_is_not_a_leftover(text):
    assert not is_leftover(text)


def test_leftovers_are_never_paragraphs_of_the_seed_article():
    doc = load_corpus(SEEDS)[0]
    assert doc.paragraphs
    assert not any("commentaires" in p.text or "cookies" in p.text for p in doc.paragraphs)
    assert_offsets(doc)


def test_bad_files_are_skipped_with_one_warning_each(tmp_path, caplog):
    write(tmp_path, "good.txt", "Titre\n\nUn paragraphe.\n")
    write(tmp_path, "latin1.txt", "Titre\n\nCaf\xe9\n".encode("latin-1"))
    write(tmp_path, "empty.txt", "  \n\n")
    write(tmp_path, "binary.txt", b"\x89PNG\x00\x00\x01")
    write(tmp_path, "broken.md", "---\ntitle: [unclosed\n---\n\nTexte.\n")
    write(tmp_path, "notes.csv", "ignored,file\n")
    with caplog.at_level(logging.WARNING):
        documents = load_corpus(tmp_path)
    assert [d.id for d in documents] == ["good"]
    warned = sorted(r.getMessage().split(":")[0] for r in caplog.records)
    assert warned == ["skipped binary.txt", "skipped broken.md", "skipped empty.txt",
                      "skipped latin1.txt"]


def test_missing_or_empty_corpus_is_a_clear_error(tmp_path):
    with pytest.raises(CorpusError) as missing:
        load_corpus(tmp_path / "nowhere")
    assert missing.value.reason == "no_folder"
    assert missing.value.values == {"folder": tmp_path / "nowhere"}
    with pytest.raises(CorpusError) as empty:
        load_corpus(tmp_path)
    assert empty.value.reason == "no_articles"


def test_an_outlined_article_has_the_paragraphs_parsing_gives(tmp_path):
    """Laid out by its outline, an article's paragraphs are made when read: the same ones,
    in the same order, as parsing gives, by number, from the end, by slice, and none past
    the last."""
    path = write(tmp_path, "a.md", "# Titre\n\nUn.\n\nDeux, « déjà ».\n\nTrois 😀.\n")
    parsed = load_document(path)
    outlined = outlined_article(path, path.read_bytes(), Outline.of(parsed))
    assert outlined == parsed and hash(outlined.paragraphs) == hash(parsed.paragraphs)
    paragraphs = outlined.paragraphs
    assert (len(paragraphs), paragraphs[-1], paragraphs[1:]) == (
        3, parsed.paragraphs[2], parsed.paragraphs[1:])
    assert [p.number for p in paragraphs] == [1, 2, 3]
    with pytest.raises(IndexError):
        paragraphs[3]
