"""Text analysis: each step of the chain alone, then the chain as questions and articles use it."""

import random
import sys
import unicodedata

import pytest

from retrieval.text.analysis import (
    DOCUMENT_ANALYZER,
    KEEPS_PLAIN,
    PLAIN_WORD,
    Analyzer,
    QUESTION_ANALYZER,
    STOP_WORDS,
    SnowballStep,
    Token,
    fold_accents,
    fold_apostrophes,
    lowercase,
    normalize,
    remove_accents,
    stop_filter,
    strip_elision,
    strip_final_e,
    tokenize,
)


def terms(tokens: list[Token]) -> list[str]:
    return [t.term for t in tokens]


def each(step, tokens: list[Token]) -> list[Token]:
    """A step over every token, those it drops left out."""
    return [t for t in map(step, tokens) if t is not None]


def test_tokenize_keeps_elided_and_compound_words_whole_and_drops_punctuation():
    text = "L’armée, aujourd'hui : 5200 soldats."
    assert terms(tokenize(text)) == ["L’armée", "aujourd'hui", "5200", "soldats"]


def test_normalize_unifies_apostrophes_and_compatibility_forms():
    assert terms(each(normalize, tokenize("l’effet ﬁnal"))) == ["l'effet", "final"]


def test_every_apostrophe_is_folded_one_character_for_one():
    text = "l’effet, l‘an, lʼarmée, l`été, l'eau"
    assert fold_apostrophes(text) == "l'effet, l'an, l'armée, l'été, l'eau"
    assert fold_apostrophes("aucune") == "aucune"


def test_lowercase_folds_case():
    assert terms(each(lowercase, tokenize("Irak IRAK irak"))) == ["irak"] * 3


@pytest.mark.parametrize("word, expected", [
    ("l'armée", "armée"), ("d'Irak", "Irak"), ("qu'il", "il"), ("jusqu'à", "à"),
    ("lorsqu'elle", "elle"), ("puisqu'on", "on"), ("quoiqu'il", "il"), ("c'est", "est"),
    ("aujourd'hui", "aujourd'hui"), ("Trump's", "Trump"),
])
def test_strip_elision(word, expected):
    token = strip_elision(normalize(tokenize(word)[0]))
    assert token.term == expected
    # The span moves with the term, so highlights cover the word and not its article.
    assert word[token.start:token.end] == expected


def test_stop_words_are_dropped_with_or_without_accents():
    step = stop_filter(STOP_WORDS)
    assert terms(each(step, tokenize("été ete the lettre"))) == ["lettre"]


def test_fold_accents_spells_out_ligatures():
    assert terms(each(fold_accents, tokenize("États envoyée cœur"))) == ["Etats", "envoyee", "coeur"]


def decomposed_without_marks(text: str) -> str:
    """Accents removed as the definition says: the whole text's compatibility decomposition
    without its combining marks, œ and æ spelled out."""
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return bare.replace("œ", "oe").replace("æ", "ae")


def test_accents_are_removed_character_by_character_as_from_the_whole_text():
    """remove_accents folds a text one character at a time (a table str.translate reads): the
    same as decomposing the whole text, for every character of Unicode and for texts of
    letters and loose combining marks (which NFKD reorders), remembered or not."""
    for code in range(sys.maxunicode + 1):
        assert remove_accents(chr(code)) == decomposed_without_marks(chr(code)), hex(code)
    rng = random.Random(0)
    pool = ([chr(c) for c in range(0x20, 0x3100)] + list("éèàçœæŒÆÉﬁﬂ\u0301\u0327\u0308")
            + ["\U0001d400", "\u3131", "\uac00"])
    for _ in range(20_000):
        text = "".join(rng.choices(pool, k=rng.randint(1, 12)))
        assert remove_accents(text) == decomposed_without_marks(text), repr(text)


def test_plurals_and_verb_forms_meet_in_the_chain():
    assert len(set(DOCUMENT_ANALYZER.terms("soldats soldat"))) == 1
    assert len(set(DOCUMENT_ANALYZER.terms("annoncé annonçait annoncer"))) == 1


def test_strip_final_e_lets_folded_participles_meet():
    stem = SnowballStep("french")
    assert terms(each(strip_final_e, each(stem, tokenize("signee signe")))) == ["sign", "sign"]


@pytest.mark.parametrize("typed, written", [
    ("Etats", "États"), ("envoyee", "envoyée"), ("irak", "Irak"), ("signee", "signé"),
    ("deploiement", "déploiement"), ("decision", "décisions"), ("souverainete", "souveraineté"),
])
def test_question_typed_without_accents_meets_the_article(typed, written):
    assert QUESTION_ANALYZER.terms(typed) == DOCUMENT_ANALYZER.terms(written)
    assert DOCUMENT_ANALYZER.terms(typed) == DOCUMENT_ANALYZER.terms(written)


def test_accents_are_folded_before_stemming():
    """Snowball stems "envoyée" to "envoi" but "envoyee" to "envoye": only folding first lets
    a question typed without accents meet the article."""
    assert DOCUMENT_ANALYZER.terms("envoyée") == DOCUMENT_ANALYZER.terms("envoyee")
    stem = SnowballStep("french")
    assert terms(each(stem, tokenize("envoyée"))) != terms(each(stem, tokenize("envoyee")))


def test_question_words_are_stop_words_only_in_questions():
    assert QUESTION_ANALYZER.terms("Qui, quand, combien, pourquoi, où ?") == []
    assert QUESTION_ANALYZER.terms("Who is it, and when?") == []
    assert DOCUMENT_ANALYZER.terms("combien") == ["combien"]


def test_spans_point_at_the_original_words():
    text = "Les États-Unis ont annoncé l’expulsion"
    for token in DOCUMENT_ANALYZER(text):
        word = text[token.start:token.end]
        assert DOCUMENT_ANALYZER.terms(word) == [token.term]


def test_markup_underscores_are_not_part_of_a_word():
    """« _dockers_ » typed as Markdown italics is the word « dockers »."""
    assert [t.term for t in tokenize("**grève** des _dockers_ snake_case")] == [
        "grève", "des", "dockers", "snake", "case"]


def chained(analyzer: Analyzer, text: str) -> list[tuple[str, int, int]]:
    """The reference: the chain's steps run on each word of the text, its span moved to the
    word's place in the text."""
    found = []
    for word in tokenize(text):
        tokens = [Token(word.term, 0, len(word.term))]
        for step in analyzer.steps:
            tokens = each(step, tokens)
        if tokens and tokens[0].term:
            found.append((tokens[0].term, word.start + tokens[0].start,
                          word.start + tokens[0].end))
    return found


# Elisions, English 's, ligatures (NFKC changes a word's length), accents, stop words, words
# with no term, case, digits: each word's term and span must not depend on its neighbours.
MIXED = ("L’armée d'Irak qu'il a ﬁnalement envoyée ; l'ﬁ le d' O'Brien's 3e ÉTATS-Unis "
         "jusqu'à Noël œuvre Æsop, des soldats. « C'est » ＡＢＣ l' s's aujourd'hui")


@pytest.mark.parametrize("analyzer", [DOCUMENT_ANALYZER, QUESTION_ANALYZER])
def test_a_texts_words_are_analysed_as_each_alone(analyzer):
    """A text's words are looked up or put through the chain one by one, each term's span
    moved to its word's place, whatever steps moved or dropped before it; the same again once
    remembered."""
    fresh = Analyzer(analyzer.steps)
    assert list(zip(*fresh.columns(MIXED))) == chained(analyzer, MIXED)
    assert list(zip(*fresh.columns(MIXED))) == chained(analyzer, MIXED)  # now remembered
    assert [tuple(t) for t in fresh(MIXED)] == chained(analyzer, MIXED)
    assert fresh.terms(MIXED) == [term for term, _, _ in chained(analyzer, MIXED)]


def test_an_analyzer_past_its_cache_size_forgets_the_oldest_words_and_answers_the_same():
    small = Analyzer(DOCUMENT_ANALYZER.steps, cache_size=3)
    for _ in range(2):
        assert list(zip(*small.columns(MIXED))) == chained(DOCUMENT_ANALYZER, MIXED)
        assert len(small._known) == 3


def test_a_plain_word_skips_only_steps_that_leave_it_as_it_is():
    """A word of lower-case Latin letters is not run through the steps that keep it
    (KEEPS_PLAIN): each of them does leave every such word as it is, and both analyzers read
    it as the whole chain does (stop words, accents, stems, final e)."""
    letters = [chr(c) for c in range(0x10000) if PLAIN_WORD.fullmatch(chr(c))]
    rng = random.Random(11)
    words = (letters + sorted(STOP_WORDS) + ["signée", "signee", "œuvre", "envoyée", "états",
                                             "aujourd", "hui", "jusqu", "lorsqu", "ÿ", "naïve"]
             + ["".join(rng.choice(letters) for _ in range(rng.randint(1, 12)))
                for _ in range(5000)])
    plain = [w for w in words if PLAIN_WORD.fullmatch(w)]
    assert len(plain) == len(words) and len(KEEPS_PLAIN) == 3
    for step in KEEPS_PLAIN:
        for word in plain:
            token = Token(word, 0, len(word))
            assert step(token) == token
    for analyzer in (DOCUMENT_ANALYZER, QUESTION_ANALYZER):
        for word in plain:
            token: Token | None = Token(word, 0, len(word))
            for step in analyzer.steps:
                token = step(token) if token is not None else None
            whole = (token.term, token.start, token.end) if token and token.term else ()
            assert analyzer.analyse(word) == whole
