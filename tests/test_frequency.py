"""How common a word is (text/frequency.py): the fast look-up gives wordfreq's own Zipf
frequency, to the bit, for every kind of word a question holds; wordfreq is the reference."""

from __future__ import annotations

import random
import unicodedata

import pytest
from wordfreq import get_frequency_dict, lossy_tokenize, top_n_list, zipf_frequency

from retrieval.text.analysis import PLAIN_WORD
from retrieval.text.frequency import is_word, typed_zipf, zipf, zipfs

LANGUAGES = ("fr", "en")
# Every character the fast path takes a word of, as it is written.
PLAIN_LETTERS = [chr(c) for c in range(0x10000) if PLAIN_WORD.fullmatch(chr(c))]
# Words of every kind a question holds: listed and not, typed with capitals, accents (composed
# and not), apostrophes, hyphens, digits, ligatures, letters wordfreq folds (ß, ſ, ﬁ), other
# scripts.
AS_TYPED = ["signée", "signee", "Signée", "SIGNÉE", "e\u0301te\u0301", "l'armée", "aujourd'hui",
            "porte-parole", "2020", "covid19", "œuvre", "cœur", "Œuvre", "ﬁn", "straße", "ſoir",
            "İstanbul", "Київ", "東京", "naïve", "façade", "mañana", "São", "gleaunglugoi",
            "ietint", "flinntpo", "fléjainou", "the", "who", "withdrawal", "pentagon", "", "a",
            "ÿ", "æther", "ø", "x" * 60]


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_fast_lookup_is_wordfreqs_zipf_frequency(language: str) -> None:
    rng = random.Random(7)
    listed = top_n_list(language, 3000)
    made_up = ["".join(rng.choice(PLAIN_LETTERS) for _ in range(rng.randint(1, 12)))
               for _ in range(3000)]
    # Listed words with one letter changed: near misses of the table, and forms it lists.
    changed = [w[:i] + rng.choice(PLAIN_LETTERS) + w[i + 1:]
               for w in listed for i in [rng.randrange(len(w))]]
    words = listed + made_up + changed + AS_TYPED + [w.capitalize() for w in listed[:500]]
    assert [zipf(w, language) for w in words] == [zipf_frequency(w, language) for w in words]


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_listed_plain_word_of_every_frequency_of_the_list_has_wordfreqs_zipf(language: str
                                                                            ) -> None:
    """A plain word's Zipf value is worked out from its listed frequency as wordfreq works it
    out: the same, to the bit, at each frequency the list gives a plain word."""
    one_of_each: dict[float, str] = {}
    for word, frequency in get_frequency_dict(language, "best").items():
        if PLAIN_WORD.fullmatch(word):
            one_of_each.setdefault(frequency, word)
    assert len(one_of_each) > 500
    words = list(one_of_each.values())
    assert [zipf(w, language) for w in words] == [zipf_frequency(w, language) for w in words]


def test_both_frequencies_of_a_word_are_its_french_as_typed_and_its_english() -> None:
    listed = top_n_list("fr", 2000) + top_n_list("en", 1000)
    bare = [unicodedata.normalize("NFKD", w).encode("ascii", "ignore").decode() for w in listed]
    for word in AS_TYPED + listed + bare + ["deja", "etrangers", "lettre", "who"]:
        assert zipfs(word) == (typed_zipf(word, "fr"), zipf(word, "en"))


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_plain_word_is_what_wordfreq_looks_up(language: str) -> None:
    """What the fast path assumes of its letters: each is its own case folding and NFC form,
    and wordfreq keeps a run of them as one token, as it is."""
    assert all(c.casefold() == c == unicodedata.normalize("NFC", c) for c in PLAIN_LETTERS)
    for c in PLAIN_LETTERS:
        for word in (c, f"a{c}", f"{c}e", f"mot{c}{c}s"):
            assert lossy_tokenize(word, language) == [word]


def test_a_word_typed_without_accents_is_as_common_as_its_commonest_accented_form() -> None:
    """wordfreq lists « etrangers » as the rare typing it is: read so, a word typed bare
    weighed as a rare one."""
    assert zipf("etrangers", "fr") < zipf("étrangers", "fr") == typed_zipf("etrangers", "fr")
    assert typed_zipf("deja", "fr") == zipf("déjà", "fr")
    assert typed_zipf("signe", "fr") == zipf("signe", "fr") > zipf("signé", "fr")  # commoner
    assert typed_zipf("marché", "fr") == zipf("marché", "fr")  # typed with accents: as is
    assert typed_zipf("Etats", "fr") == zipf("états", "fr")


def test_a_typo_is_no_word_though_wordfreq_lists_some() -> None:
    assert is_word("lettre") and is_word("etrangers") and is_word("withdrawal")
    assert not is_word("letre") and not is_word("souverainte")
