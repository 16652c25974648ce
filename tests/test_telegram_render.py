"""Telegram rendering, buttons and question parsing, checked offline against a Telegram-like
HTML parser (the fake server's)."""

from __future__ import annotations

import pytest

from telegram.constants import MessageLimit

from bot.telegram.buttons import (MAX_CALLBACK_DATA, MAX_OFFSET, ShowContext, ShowExcerpts,
                                  answer_keyboard, decode, document_key, encode,
                                  quote_digest)
from bot.telegram.handlers import question_text
from bot.telegram.html import (MAX_CONTEXT_CHARS, MAX_SOURCES, html_answer, html_context,
                               html_excerpt, html_nearest, html_source, html_sources,
                               visible_length)
from bot.terminal.render import render_terminal
from fake_telegram import BadRequest, message_text, parse_html
from retrieval import Answer, AnswerEngine, Excerpt, Source, parse_md


def excerpt(text: str, words: tuple[str, ...] = (), title: str = "Titre", url: str | None = None,
            paragraph: int = 1) -> Excerpt:
    """An excerpt of `text` with every occurrence of `words` highlighted."""
    highlights = tuple(sorted((i, i + len(w)) for w in words
                              for i in range(len(text)) if text.startswith(w, i)))
    return Excerpt(text, 1.0, highlights, Source("doc", title, url, paragraph, 0, len(text)))


def entities(html: str, kind: str) -> list[str]:
    text, found = parse_html(html)
    utf16 = text.encode("utf-16-le")
    return [utf16[2 * e["offset"]:2 * (e["offset"] + e["length"])].decode("utf-16-le")
            for e in found if e["type"] == kind]


def test_excerpt_is_escaped_and_its_matched_words_bold():
    quote = "Le <script>alert('x')</script> & « la lettre » signée par M. Seely 🇺🇸."
    html = html_excerpt(excerpt(quote, ("lettre", "Seely"), title="A & <B>",
                                url="https://example.org/?a=1&b=2"))
    text, _ = message_text(html, "HTML")
    assert entities(html, "blockquote") == [quote]
    assert entities(html, "bold") == ["lettre", "Seely"]
    assert entities(html, "text_link") == ["A & <B>"]
    assert text.endswith("— A & <B>, §1")


def test_only_web_links_are_linked():
    source = Source("doc", "Titre", "javascript:alert(1)", 2, 0, 1)
    assert html_source(source) == "— Titre, §2"


def test_long_quotes_are_cut_at_a_word_and_keep_only_whole_highlights():
    quote = "mot " * 400 + "fin"
    html = html_excerpt(excerpt(quote, ("mot", "fin")))
    [shown] = entities(html, "blockquote")
    assert shown.endswith("…") and len(shown) <= 1000
    assert "fin" not in entities(html, "bold")
    assert len(entities(html, "bold")) <= 30


def test_long_answers_are_split_between_excerpts_within_telegram_limits():
    excerpts = [excerpt(f"Extrait {n} : " + "le chat noir dort. " * 50, ("chat", "noir"),
                        title="Un titre " * 30, url="https://example.org/a", paragraph=n)
                for n in range(10)]
    messages = html_answer(excerpts)
    assert len(messages) > 1 and sum(count for _, count in messages) == len(excerpts)
    shown = []
    for html, count in messages:
        message_text(html, "HTML")  # Telegram's limits: length, entities, well-formed tags
        assert len(entities(html, "blockquote")) == count
        shown += [q.split(" :")[0] for q in entities(html, "blockquote")]
    assert shown == [f"Extrait {n}" for n in range(10)]


def test_length_is_counted_as_telegram_does():
    assert visible_length("<b>a &amp; b</b>") == 5
    assert visible_length("🇫🇷") == 4  # two characters outside the BMP: 4 UTF-16 units


DOCUMENT = parse_md("article", "---\ntitle: L'article <1>\nurl: https://example.org/1\n"
                    "date: 2020-01-06\n---\n\n"
                    "Premier paragraphe.\n\nAvant. La phrase citée. Après & fin.\n")


def test_context_shows_the_whole_paragraph_with_the_excerpt_bold_and_its_dated_source():
    paragraph = DOCUMENT.paragraphs[1]
    start = DOCUMENT.text.index("La phrase")
    html = html_context(AnswerEngine([DOCUMENT]).context(
        "article", start, start + len("La phrase citée.")))
    assert entities(html, "blockquote") == [paragraph.text]
    assert entities(html, "bold") == ["La phrase citée."]
    assert "L'article <1> (2020-01-06), §2" in parse_html(html)[0]


def test_context_of_a_huge_paragraph_fits_in_a_message():
    text = "Titre\n\n" + "avant " * 2000 + "CITATION." + " après" * 2000 + "\n"
    start = text.index("CITATION")
    html = html_context(AnswerEngine([parse_md("big", text)]).context(
        "big", start, start + len("CITATION.")))
    message_text(html, "HTML")
    assert entities(html, "bold") == ["CITATION."]
    assert len(entities(html, "blockquote")[0]) <= MAX_CONTEXT_CHARS + 2


def test_sources_are_split_within_limits_and_an_archive_is_summed_up():
    documents = [parse_md(f"d{n}", f"---\ntitle: Article <{n}> & co\nurl: https://x.org/{n}\n"
                          f"---\n\nTexte.\n") for n in range(250)]
    messages = html_sources(documents, "en")
    assert len(messages) > 1
    for html in messages:
        message_text(html, "HTML")
    shown = "\n".join(parse_html(html)[0] for html in messages)
    assert f"Article <{MAX_SOURCES - 1}> & co" in shown
    assert f"Article <{MAX_SOURCES}> & co" not in shown
    assert shown.endswith(f"… and {250 - MAX_SOURCES} more")


@pytest.mark.parametrize("press", [
    ShowExcerpts(0), ShowExcerpts(MAX_OFFSET),
    ShowContext(MAX_OFFSET, document_key("x" * 500), 9_999_999_999, 9_999_999_999,
                quote_digest("é" * 5000)),
])
def test_callback_data_fits_and_round_trips(press):
    data = encode(press)
    assert len(data.encode()) <= MAX_CALLBACK_DATA
    assert decode(data) == press


@pytest.mark.parametrize("data", [None, "", "m:", "m:x", "c:1:short:1:2", "x" * 64, "m:1:2"])
def test_foreign_callback_data_is_refused(data):
    assert decode(data) is None


def test_document_keys_are_short_whatever_the_id_and_distinct():
    keys = {document_key(f"doc{n}") for n in range(10_000)} | {document_key("é" * 5000)}
    assert len(keys) == 10_001
    for key in keys:
        press = ShowContext(0, key, 1, 2, quote_digest(key))
        assert decode(encode(press)) == press


def test_keyboard_offers_more_only_when_there_is_more():
    first = excerpt("Une phrase.")
    assert [b.text for b in answer_keyboard(first, 0, 3, "fr").inline_keyboard[0]] == [
        "Contexte", "Autres extraits"]
    assert [b.text for b in answer_keyboard(first, 3, None, "en").inline_keyboard[0]] == [
        "Context"]


@pytest.mark.parametrize("message, expected", [
    ("/ask Qui a signé ?", "Qui a signé ?"),
    ("/ask@CiteBot   Qui a signé ?", "Qui a signé ?"),
    ("@citebot qui a signé ?", "qui a signé ?"),
    ("Dis @CITEBOT, qui a signé ? cc @alice", "Dis , qui a signé ? cc @alice"),
    ("si\u200bgné\u200f la\u2060 lettre", "signé la lettre"),
    ("/ask", ""),
    (" \u200b ", ""),
])
def test_question_text(message, expected):
    assert question_text(message, "citebot") == expected


@pytest.mark.parametrize("html", [
    "<script>alert(1)</script>", "<b>unclosed", "<b><i>crossed</b></i>", "a & b", "a > b",
    "<blockquote><blockquote>nested</blockquote></blockquote>", "<a>no href</a>",
    "x" * (MessageLimit.MAX_TEXT_LENGTH + 1), "<b>b</b>" * (MessageLimit.MESSAGE_ENTITIES + 1), "<b> </b>",
])
def test_the_fake_server_refuses_what_telegram_refuses(html):
    with pytest.raises(BadRequest):
        message_text(html, "HTML")


def test_nearest_passages_say_no_sure_answer_and_each_is_labelled():
    quotes = [excerpt("La lettre a été envoyée par erreur.", ("lettre",)),
              excerpt("Le général a parlé d'un projet de lettre.", ("lettre",), paragraph=5)]
    [message] = html_nearest(quotes, "fr")
    text, _ = message_text(message, "HTML")
    assert text.startswith("Pas de réponse sûre dans les articles.")
    assert entities(message, "blockquote") == [q.text for q in quotes]
    assert text.count("passage proche, pas une réponse sûre") == 2
    [english] = html_nearest(quotes, "en")
    assert message_text(english, "HTML")[0].count("nearest passage, not a sure answer") == 2


def test_terminal_labels_nearest_passages_the_same_way():
    quote = excerpt("La lettre a été envoyée par erreur.", ("lettre",))
    shown = render_terminal(Answer("Qui ?", (), (quote,)), lang="en")
    assert shown.startswith("No sure answer in the articles.")
    assert shown.endswith("— Titre, §1 (nearest passage, not a sure answer)")
    assert render_terminal(Answer("Qui ?", (quote,))).startswith("1. « La lettre")
    assert render_terminal(Answer("Qui ?", ())).startswith("Les articles ne répondent pas")
