"""Build retrieval/data/eng-fra.tsv, the English → French word list English questions go through,
retrieval/data/fra-participles.tsv, the participles of the French verbs not in -er among its
translations (Apertium's French generator: « naître » → « né », « née », « nés », « nées »), and
retrieval/data/fra-inflections.tsv, the feminine and plural forms of its adjectives and nouns
that the stemmer cuts apart from them (« premier » → « première », « œil » → « yeux »).

Five sources, all read from installed Debian packages (the bot itself only reads the TSV):
`apt-get install dict-freedict-eng-fra dict-freedict-fra-eng apertium-eng-spa apertium-fr-es
lttoolbox wordnet-base iso-codes` is needed to rebuild.

- FreeDict's English-French dictionary (GPL-2+, dict-freedict-eng-fra), in dictd format;
- FreeDict's French-English dictionary (GPL-2+, dict-freedict-fra-eng), turned round: it knows
  French words the first one never offers (« prétendre: claim », « renvoyer: expel »);
- Apertium's English-Spanish and Spanish-French bilingual dictionaries (GPL-2, apertium-eng-spa,
  apertium-fr-es), one after the other: English → Spanish → French, lemma to lemma, for
  WordNet's lemmas and its nouns as names of places and organisations. They know words FreeDict
  lacks ("political" → « politique », "Baghdad" → « Bagdad ») and vote for the usual sense
  among FreeDict's ("share" → « partager », not « ration »); and the other way, French →
  Spanish → English for the most frequent French words (wordfreq's list), turned round: the
  French words that give an English one (« effondrement » → "collapse"), a fourth vote;
- WordNet 3.0 (WordNet licence, wordnet-base): its lemmas (what Apertium is asked), its lists
  of irregular forms, "sent" → "send", "men" → "man", so that an irregular form gets the
  translations of its base form (an irregular superlative its comparative's first, "best" as
  "better": « meilleur »); and its links from an adjective to the place it relates to,
  "Ugandan" → "Uganda" → « Ouganda », for the nationalities none of the others gives;
- the names of countries in English and French from iso-codes (LGPL-2.1+, ISO 3166-1), for
  those FreeDict lacks ("United States" → « États-Unis », "United Kingdom" →
  « Royaume-Uni »).

One line per English word: the word, a tab, its French translations separated by "|", the most
likely first: those more of the four ways give, then single words, then those whose
French entry gives the English word earlier, then the more frequent French words (wordfreq),
since a question is searched with only the first few.

    python benchmarks/build_dictionary.py
"""

from __future__ import annotations

import argparse
import gettext
import gzip
import json
import re
import string
import subprocess
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import BinaryIO

from wordfreq import top_n_list, zipf_frequency

from retrieval.text.analysis import DOCUMENT_ANALYZER, tokenize
from retrieval.text.translation import DICTIONARY_PATH, INFLECTIONS_PATH, PARTICIPLES_PATH

ENG_FRA = Path("/usr/share/dictd/freedict-eng-fra.dict.dz")
FRA_ENG = Path("/usr/share/dictd/freedict-fra-eng.dict.dz")
WORDNET = Path("/usr/share/wordnet")
# WordNet's lexicographer file of places (noun.location): countries, regions, cities.
WORDNET_PLACES = 15
# The irregular forms of verbs, nouns and adjectives ("sent send", "children child").
WORDNET_EXCEPTIONS = ("verb.exc", "noun.exc", "adj.exc")
# Apertium's English-Spanish and Spanish-French bilingual dictionaries (compiled transducers, read
# with lttoolbox's lt-proc): English → Spanish → French, lemma to lemma, part of speech kept.
APERTIUM_ENG_SPA = Path("/usr/share/apertium/apertium-eng-spa/eng-spa.autobil.bin")
APERTIUM_SPA_FRA = Path("/usr/share/apertium/apertium-fr-es/es-fr.autobil.bin")
# The same pairs the other way, French → Spanish → English: the French words that give an English
# one, which the forward way misses when it takes another Spanish word ("bronzage" → bronceado →
# "tan"; « réclamer » → reclamar → "claim" is not, but "demand" is).
APERTIUM_FRA_SPA = Path("/usr/share/apertium/apertium-fr-es/fr-es.autobil.bin")
APERTIUM_SPA_ENG = Path("/usr/share/apertium/apertium-eng-spa/spa-eng.autobil.bin")
# The French words looked up the other way: the most frequent ones (wordfreq), each as a noun
# of either gender, a verb and an adjective; Apertium answers only for its own lemmas.
FRENCH_WORDS = 100_000
FRENCH_TAGS = ("<n><m><sg>", "<n><f><sg>", "<vblex>", "<adj><m><sg>", "<adj><mf><sg>")
# English forms that are not their word's own sense: comparatives and superlatives ("meilleur"
# → mejor → "good" as its comparative).
DEGREE_TAGS = ("<comp>", "<sup>")
# WordNet's parts of speech and Apertium's tags for them.
APERTIUM_TAGS = {"noun": "n", "verb": "vblex", "adj": "adj", "adv": "adv"}
# English modals, which WordNet lists as nouns ("can", a tin; "must", new wine): Apertium gives
# them those senses (« boîte de conserve »), never what a question's "can" means.
ENGLISH_MODALS = frozenset("can could may might must shall should will would".split())
# Apertium's kinds of names looked up: places and organisations, whose French names differ
# ("Baghdad" → « Bagdad », "Moscow" → « Moscou »); people's seldom do.
APERTIUM_NAMES = ("<loc>", "<org>")
# A lexical unit of lt-proc's output: "^use<vblex>/utilizar<vblex>$" ("@" marks no translation).
_UNIT = re.compile(r"\^(.*?)\$")
# Apertium's French generator (lt-proc -g): a French lexical unit → its word
# ("naître<vblex><pp><f><sg>" → « née »; "#" marks a lemma it does not know).
APERTIUM_FRENCH_FORMS = Path("/usr/share/apertium/apertium-fr-es/es-fr.autogen.bin")
PARTICIPLE_TAGS = ("<pp><m><sg>", "<pp><f><sg>", "<pp><m><pl>", "<pp><f><pl>")
# The feminine and plural forms of adjectives and nouns (a noun's gender tried both ways: the
# generator answers only for the right one; « artiste » is <mf>).
INFLECTION_TAGS = ("<adj><f><sg>", "<adj><m><pl>", "<adj><f><pl>", "<adj><mf><pl>",
                   "<n><m><pl>", "<n><f><pl>", "<n><mf><pl>")
COUNTRIES = Path("/usr/share/iso-codes/json/iso_3166-1.json")
COUNTRIES_FRENCH = Path("/usr/share/locale/fr/LC_MESSAGES/iso_3166-1.mo")
# The sources and their licences, at the top of the file; WordNet's licence asks for its notice
# and disclaimer on every copy.
NOTICE = """English → French, made by benchmarks/build_dictionary.py from:
FreeDict English-French 0.1.6 and French-English 0.4.1 (turned round), freedict.org, Debian
packages dict-freedict-eng-fra and dict-freedict-fra-eng: GPL-2.0-or-later.
Apertium English-Spanish 0.8.1 and French-Spanish 0.9.4, one after the other, apertium.org,
Debian packages apertium-eng-spa and apertium-fr-es: GPL-2.
Country names: iso-codes (ISO 3166-1 and its French translation): LGPL-2.1-or-later.
Irregular English forms and adjectives of places: WordNet 3.0 (Debian package wordnet-base), under the WordNet licence:
WordNet 3.0 Copyright 2006 by Princeton University. All rights reserved.
THIS SOFTWARE AND DATABASE IS PROVIDED "AS IS" AND PRINCETON UNIVERSITY MAKES NO
REPRESENTATIONS OR WARRANTIES, EXPRESS OR IMPLIED. BY WAY OF EXAMPLE, BUT NOT LIMITATION,
PRINCETON UNIVERSITY MAKES NO REPRESENTATIONS OR WARRANTIES OF MERCHANTABILITY OR FITNESS FOR
ANY PARTICULAR PURPOSE OR THAT THE USE OF THE LICENSED SOFTWARE, DATABASE OR DOCUMENTATION
WILL NOT INFRINGE ANY THIRD PARTY PATENTS, COPYRIGHTS, TRADEMARKS OR OTHER RIGHTS."""
PARTICIPLES_NOTICE = """The past participles of French verbs not in -er, made by benchmarks/build_dictionary.py
with Apertium French-Spanish 0.9.4's French generator, apertium.org, Debian package
apertium-fr-es: GPL-2."""
INFLECTIONS_NOTICE = """The feminine and plural forms of French adjectives and nouns that the stemmer cuts apart
from them, made by benchmarks/build_dictionary.py with Apertium French-Spanish 0.9.4's French
generator, apertium.org, Debian package apertium-fr-es: GPL-2."""
# The English cardinals, whose ordinals some dictionaries lack ("fifth", "sixth", "hundredth"):
# each gets its cardinal's first translation made ordinal (« cinquième »). The ordinals not
# spelt cardinal + "th" ("twenty" → "twentieth" by rule).
ENGLISH_CARDINALS = ("two three four five six seven eight nine ten eleven twelve thirteen "
                     "fourteen fifteen sixteen seventeen eighteen nineteen twenty thirty forty "
                     "fifty sixty seventy eighty ninety hundred thousand million billion").split()
IRREGULAR_ORDINALS = {"two": "second", "three": "third", "five": "fifth", "eight": "eighth",
                      "nine": "ninth", "twelve": "twelfth"}
# French ordinals are the cardinal, without a final e, and -ième (« quatre » → « quatrième »),
# but for these endings (« cinq » → « cinquième », « neuf » → « neuvième », « quatre-vingts » →
# « quatre-vingtième »).
FRENCH_ORDINAL_STEMS = (("q", "qu"), ("f", "v"), ("vingts", "vingt"))
# Translations kept per English word: the engine searches the first few; more only make the file
# bigger.
MAX_KEPT = 8
# A misspelt English word of a source is read as the word meant when it is at least this long
# (shorter ones have too many neighbours: "frair" is not "fair") and that word this common
# (wordfreq's Zipf scale: once in ten million words; "household" is 4.5).
MIN_MENDED = 6
MIN_MENDED_ZIPF = 3.0
# Where a French entry that does not give the English word at all would give it.
MAX_POSITION = 1_000
# A headword line: the word, its pronunciation between slashes, and in fra-eng its part of speech
# ("attack /ətæk/", "réclamer /ʀeklame/ <v>").
_HEADWORD = re.compile(r"^(?P<word>[^/]+?) /[^/]*/( <[^>]*>)?$")
# A sense number before a list of translations ("2. accès, assaut, attaque").
_SENSE = re.compile(r"^\d+\.\s*")
# A note between brackets in a translation ("(female) duck", "take (with one)").
_NOTE = re.compile(r"\s*\([^)]*\)\s*")


def parse(lines: list[str]) -> dict[str, list[str]]:
    """Headword → translations; the file's preamble (before the first headword) is skipped."""
    entries: dict[str, list[str]] = {}
    word = None
    for line in lines:
        if m := _HEADWORD.match(line.strip()):
            word = m.group("word").strip().replace("\u2010", "-")
            entries.setdefault(word, [])
        elif word and line.strip():
            for translation in _SENSE.sub("", line.strip()).split(","):
                translation = _NOTE.sub(" ", translation).strip().replace("\u2010", "-")
                if translation and translation not in entries[word]:
                    entries[word].append(translation)
    return {w: t for w, t in entries.items() if t and "\t" not in w and "|" not in "".join(t)}


def invert(entries: dict[str, list[str]]) -> dict[str, dict[str, int]]:
    """French → English turned into English → French (not the affixes and quoted phrases some
    senses give: "-ness", '"Il faut que"'): each English word's French words, with how early
    each gives it (« exiger » gives "demand" first, 0; « demander » after "ask" and more); an
    English word misspelt, as the word meant (« ménage »: "houshold", "household")."""
    inverted: dict[str, dict[str, int]] = {}
    for french, translations in entries.items():
        for position, english in enumerate(filter(lambda e: e[:1].isalpha(), translations)):
            inverted.setdefault(mended(english), {}).setdefault(french, position)
    return inverted


def mended(english: str) -> str:
    """A word English does not know (wordfreq) read as the commonest English word with a letter
    more or a doubled letter once, where that one is common ("houshold" → "household",
    "reconcilliation" → "reconciliation"); any other word as it is. Not a letter struck for
    another ("karafe" is not "karate") nor one dropped ("splender" is not "slender")."""
    if (len(english) < MIN_MENDED or not english.isalpha() or not english.islower()
            or zipf_frequency(english, "en") > 0):
        return english
    splits = [(english[:n], english[n:]) for n in range(len(english) + 1)]
    near = ({a + b[1:] for a, b in splits if b[:1] and a[-1:] == b[:1]}
            | {a + c + b for a, b in splits for c in string.ascii_lowercase})
    frequency, word = max((zipf_frequency(w, "en"), w) for w in near)
    return word if frequency >= MIN_MENDED_ZIPF else english


def merge(eng_fra: dict[str, list[str]], fra_eng: dict[str, dict[str, int]],
          pivots: list[dict[str, list[str]]]) -> dict[str, list[str]]:
    """The sources' translations of each English word, the most likely first: those more
    sources give (FreeDict both ways, Apertium through Spanish both ways: "share" is
    « partager » in all of them, « ration » in one), then single words (a phrase's words,
    « avoir besoin de », match much besides), then those whose French entry gives the English
    word earlier, then the more frequent French words (the first source's order breaks ties),
    at most MAX_KEPT."""
    merged = {}
    for word in eng_fra.keys() | fra_eng.keys() | set().union(*pivots):
        forward, backward = eng_fra.get(word, []), fra_eng.get(word, {})
        through = [pivot.get(word, []) for pivot in pivots]
        # One spelling of each translation ("irakien", "Irakien"): the engine folds case.
        spellings: dict[str, str] = {}
        for translation in forward + list(backward) + [t for ts in through for t in ts]:
            spellings.setdefault(translation.casefold(), translation)
        candidates = list(spellings.values())
        sources = [{t.casefold() for t in source} for source in (forward, backward, *through)]
        position = {t.casefold(): n for t, n in backward.items()}

        def likelihood(translation: str, sources: list[set[str]] = sources,
                       position: dict[str, int] = position) -> tuple[int, bool, int, float]:
            folded = translation.casefold()
            return (sum(folded in source for source in sources), len(tokenize(translation)) == 1,
                    -position.get(folded, MAX_POSITION), zipf_frequency(translation, "fr"))

        merged[word] = sorted(candidates, key=likelihood, reverse=True)[:MAX_KEPT]
    return merged


def wordnet_lemmas(wordnet: Path) -> list[str]:
    """WordNet's lemmas of its four parts of speech, tagged as Apertium tags them
    ("use<vblex>", "chief of staff<n>"), and its nouns capitalised as names of places and
    organisations ("Baghdad<np><loc>", "European Union<np><org>"): what is looked up in
    Apertium."""
    lemmas = []
    for pos, tag in APERTIUM_TAGS.items():
        for line in (wordnet / f"index.{pos}").read_text(encoding="utf-8").splitlines():
            lemma = line.split(" ", 1)[0].replace("_", " ")
            # Not the licence's lines, nor the modals.
            if re.fullmatch(r"[a-z][a-z' -]*", lemma) and lemma not in ENGLISH_MODALS:
                # A verb of several words is inflected in its first one, which Apertium
                # marks with "#" ("take# place<vblex>"); without it, none is found.
                if pos == "verb":
                    lemma = lemma.replace(" ", "# ", 1)
                lemmas.append(f"{lemma}<{tag}>")
                if pos == "noun":
                    name = " ".join(w.capitalize() for w in lemma.split(" "))
                    lemmas.extend(f"{name}<np>{kind}" for kind in APERTIUM_NAMES)
    return lemmas


def lookup(binary: Path, units: Iterable[str]) -> dict[str, list[str]]:
    """Each lexical unit ("use<vblex>") → its translations in an Apertium bilingual dictionary
    (lt-proc -b; none where it has none)."""
    text = " ".join(f"^{unit}$" for unit in units)
    output = subprocess.run(["lt-proc", "-b", str(binary)], input=text, capture_output=True,
                            text=True, check=True).stdout
    found = {}
    for unit in _UNIT.findall(output):
        source, *targets = unit.split("/")
        found[source] = [t for t in targets if not t.startswith("@")]
    return found


def pivot(lemmas: list[str], eng_spa: Path, spa_fra: Path) -> dict[str, list[str]]:
    """English lemma → French lemmas through Spanish, with Apertium's two dictionaries. The
    Spanish-French one wants an adjective's gender and a noun's number ("político<adj><m><sg>"),
    which the English-Spanish one does not give, and a name without its gender
    ("Bagdad<np><loc>", not "Bagdad<np><loc><m>")."""
    spanish = lookup(eng_spa, lemmas)

    def forms(unit: str) -> list[str]:
        return [unit] + ([unit + "<m><sg>"] if "<adj>" in unit else
                         [unit + "<sg>"] if "<n>" in unit else
                         [unit.rpartition("<")[0]] if "<np>" in unit else [])

    french = lookup(spa_fra, {form for units in spanish.values() for unit in units
                              for form in forms(unit)})
    translations: dict[str, list[str]] = {}
    for english, units in spanish.items():
        for unit in units:
            form = next((f for f in forms(unit) if french.get(f)), None)
            for translation in french.get(form, []) if form else []:
                own = translations.setdefault(_lemma(english), [])
                if _lemma(translation) not in own:
                    own.append(_lemma(translation))
    return translations


def back_pivot(french_words: list[str], fra_spa: Path, spa_eng: Path) -> dict[str, list[str]]:
    """English lemma → the French lemmas that Apertium's two dictionaries take to it through
    Spanish (French → Spanish → English), turned round; in the order of the French words'
    frequency. Spanish nouns and adjectives come with the gender the English-Spanish dictionary
    wants; the number is added."""
    spanish = lookup(fra_spa, [word + tag for word in french_words for tag in FRENCH_TAGS
                               if " " not in word])

    def singular(unit: str) -> str:
        return unit + "<sg>" if "<n>" in unit or "<adj>" in unit else unit

    english = lookup(spa_eng, {singular(unit) for units in spanish.values() for unit in units})
    translations: dict[str, list[str]] = {}
    for source, units in spanish.items():
        for unit in units:
            for target in english.get(singular(unit), []):
                if not any(tag in target for tag in DEGREE_TAGS):
                    own = translations.setdefault(_lemma(target), [])
                    if _lemma(source) not in own:
                        own.append(_lemma(source))
    return translations


def _lemma(unit: str) -> str:
    """A lexical unit's lemma, without its tags and the mark of a phrase's invariable part
    ("utiliser<vblex>" → "utiliser", "mettre# en œuvre<vblex>" → "mettre en œuvre")."""
    return unit.partition("<")[0].replace("#", "")


def add_superlatives(entries: dict[str, list[str]], adjective_exceptions: list[str]) -> None:
    """Give each superlative of another stem than its adjective's its comparative's
    translations first ("best": « meilleur », as "better", before « plus », « bon »): French
    says the superlative with the comparative (« le meilleur »), which no dictionary gives for
    it. Not "driest": "drier" is also « sèche-cheveux »."""
    forms: dict[str, list[str]] = {}
    for line in adjective_exceptions:
        form, *bases = line.split()
        for base in bases:
            if form[:2] != base[:2]:
                forms.setdefault(base, []).append(form)
    for same_base in forms.values():
        comparatives = [f for f in same_base if not f.endswith("st") and f in entries]
        for superlative in (f for f in same_base if f.endswith("st") and comparatives):
            own = entries.get(superlative, [])
            better = entries[comparatives[0]]
            entries[superlative] = (better + [t for t in own if t not in better])[:MAX_KEPT]


def add_irregular_forms(entries: dict[str, list[str]], exceptions: list[str]) -> None:
    """Give each irregular form its base form's translations, after its own when the dictionary
    has some ("left": « gauche », then those of "leave")."""
    for line in exceptions:
        form, *bases = line.split()
        base = next((b for b in bases if b in entries), None)
        if base and "_" not in form:
            own = entries.get(form, [])
            entries[form] = (own + [t for t in entries[base] if t not in own])[:MAX_KEPT]


def add_ordinals(entries: dict[str, list[str]]) -> None:
    """Give each English ordinal the dictionaries lack ("sixth") its cardinal's French made
    ordinal (« six » → « sixième »)."""
    for cardinal in ENGLISH_CARDINALS:
        ordinal = IRREGULAR_ORDINALS.get(cardinal) or (
            cardinal[:-1] + "ieth" if cardinal.endswith("y") else cardinal + "th")
        if ordinal not in entries and cardinal in entries:
            french = entries[cardinal][0].removesuffix("e")
            for ending, stem in FRENCH_ORDINAL_STEMS:
                if french.endswith(ending):
                    french = french[:-len(ending)] + stem
            entries[ordinal] = [french + "ième"]


def add_countries(entries: dict[str, list[str]], countries: list[dict[str, str]],
                  french: gettext.NullTranslations) -> None:
    """Each country's English name → its French one, when FreeDict has none; official names
    that need a comma ("Iran, Islamic Republic of") are not how questions say them."""
    for country in countries:
        for name in (country.get("common_name"), country["name"]):
            if name and "," not in name and name not in entries:
                translation = french.gettext(name)
                if translation != name and "," not in translation:
                    entries[name] = [translation]


def add_nationalities(entries: dict[str, list[str]], adjectives: list[str],
                      nouns: BinaryIO) -> None:
    """Give each adjective of a place the dictionary lacks ("Israeli", "Turkish", "Scottish")
    the place's translations (« Israël », « Turquie », « Écosse »), through WordNet's pertainym
    links (an adjective's "\\" pointer to the noun it relates to); nouns are read at their byte
    offsets in data.noun."""
    for line in adjectives:
        if line.startswith(" "):  # the licence at the top of the file
            continue
        fields = line.partition("|")[0].split()
        count = int(fields[3], 16)
        words = [fields[4 + 2 * i].partition("(")[0] for i in range(count)]
        pointers = fields[5 + 2 * count:]
        places = [int(offset) for symbol, offset, pos in zip(pointers[::4], pointers[1::4],
                                                            pointers[2::4])
                  if symbol == "\\" and pos == "n"]
        for word in (w for w in words if w[:1].isupper() and "_" not in w and w not in entries):
            for place in _wordnet_nouns(nouns, places):
                if place in entries and place[:1].isupper():
                    entries[word] = entries[place]
                    break


def _wordnet_nouns(nouns: BinaryIO, offsets: list[int]) -> Iterator[str]:
    """The words of the place synsets at these offsets of data.noun."""
    for offset in offsets:
        nouns.seek(offset)
        fields = nouns.readline().decode("utf-8").split()
        if int(fields[1]) == WORDNET_PLACES:
            yield from (fields[4 + 2 * i] for i in range(int(fields[3], 16)))


def irregular_participles(translations: Iterable[str], generator: Path) -> dict[str, list[str]]:
    """The past participles of the French verbs among the translations that do not end in -er
    (whose participles the engine makes itself): « naître » → « né », « née », « nés », « nées »;
    verbs Apertium's French generator does not know are left out."""
    verbs = sorted({t for t in translations
                    if t.endswith(("ir", "re")) and " " not in t and "'" not in t})
    units = [f"^{verb}<vblex>{tag}$" for verb in verbs for tag in PARTICIPLE_TAGS]
    words = subprocess.run(["lt-proc", "-g", str(generator)], input="\n".join(units) + "\n",
                           capture_output=True, text=True, check=True).stdout.split("\n")
    participles = {}
    for n, verb in enumerate(verbs):
        forms = [w.strip() for w in words[n * len(PARTICIPLE_TAGS):(n + 1) * len(PARTICIPLE_TAGS)]]
        if all(forms) and not any(f.startswith("#") for f in forms):
            participles[verb] = list(dict.fromkeys(forms))
    return participles


def inflections(translations: Iterable[str], generator: Path) -> dict[str, list[str]]:
    """The feminine and plural forms of the adjectives and nouns among the translations whose
    terms are not the word's own (« premier » "premi" → « première » "premier"; « nouveau » →
    « nouvelle »; « œil » → « yeux »; « emploi » → « emplois »), from Apertium's French
    generator, which answers only for the tags a word has ("#" otherwise)."""
    words = sorted({t for t in translations if re.fullmatch(r"[^\W\d_]+", t) and t.islower()})
    units = [f"^{word}{tag}$" for word in words for tag in INFLECTION_TAGS]
    generated = subprocess.run(["lt-proc", "-g", str(generator)], input="\n".join(units) + "\n",
                               capture_output=True, text=True, check=True).stdout.split("\n")
    found = {}
    for n, word in enumerate(words):
        forms = [w.strip() for w in generated[n * len(INFLECTION_TAGS):
                                              (n + 1) * len(INFLECTION_TAGS)]]
        own = DOCUMENT_ANALYZER.terms(word)
        other = [f for f in dict.fromkeys(forms)
                 if f and not f.startswith(("#", "@")) and DOCUMENT_ANALYZER.terms(f) != own]
        if other:
            found[word] = other
    return found


def write_table(path: Path, notice: str, table: dict[str, list[str]]) -> None:
    """Word, tab, its words separated by "|", one line each, sorted, under the notice."""
    header = "".join(f"# {line}\n" for line in notice.splitlines())
    path.write_text(header + "".join(f"{w}\t{'|'.join(t)}\n" for w, t in sorted(table.items())),
                    encoding="utf-8")


def read_dictd(path: Path) -> dict[str, list[str]]:
    with gzip.open(path, "rt", encoding="utf-8") as f:
        return parse(f.read().splitlines())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=DICTIONARY_PATH)
    parser.add_argument("--participles", type=Path, default=PARTICIPLES_PATH)
    parser.add_argument("--inflections", type=Path, default=INFLECTIONS_PATH)
    args = parser.parse_args()
    through_spanish = pivot(wordnet_lemmas(WORDNET), APERTIUM_ENG_SPA, APERTIUM_SPA_FRA)
    back_through_spanish = back_pivot(top_n_list("fr", FRENCH_WORDS), APERTIUM_FRA_SPA,
                                      APERTIUM_SPA_ENG)
    entries = merge(read_dictd(ENG_FRA), invert(read_dictd(FRA_ENG)),
                    [through_spanish, back_through_spanish])
    exceptions = [line for name in WORDNET_EXCEPTIONS
                  for line in (WORDNET / name).read_text(encoding="utf-8").splitlines()]
    add_superlatives(entries, (WORDNET / "adj.exc").read_text(encoding="utf-8").splitlines())
    add_irregular_forms(entries, exceptions)
    add_ordinals(entries)
    with (WORDNET / "data.noun").open("rb") as nouns:
        add_nationalities(entries, (WORDNET / "data.adj").read_text(encoding="utf-8").splitlines(),
                          nouns)
    with COUNTRIES_FRENCH.open("rb") as f:
        add_countries(entries, json.loads(COUNTRIES.read_text(encoding="utf-8"))["3166-1"],
                      gettext.GNUTranslations(f))
    write_table(args.out, NOTICE, entries)
    translations = [t for ts in entries.values() for t in ts]
    write_table(args.participles, PARTICIPLES_NOTICE,
                irregular_participles(translations, APERTIUM_FRENCH_FORMS))
    write_table(args.inflections, INFLECTIONS_NOTICE,
                inflections(translations, APERTIUM_FRENCH_FORMS))
    print(f"{len(entries)} English words → {args.out} ({args.out.stat().st_size / 1e3:.0f} kB)")


if __name__ == "__main__":
    main()
