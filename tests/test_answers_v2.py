"""Answers v2: the learned ranker, soft matches by word vectors, English questions, the wanted
kind's neighbourhood, and excerpt work linear in a paragraph's length."""

from __future__ import annotations

import heapq
import json
import random
import re
from bisect import bisect_right
from pathlib import Path

import numpy as np
import pytest

from conftest import compiled_windows
from retrieval import AnswerEngine, parse_txt
from retrieval.text.analysis import DOCUMENT_ANALYZER, remove_accents
from retrieval.answer import features
from retrieval.articles.documents import load_corpus
from retrieval.answer.features import (FEATURES, MAX_CHARS, MAX_SCORED_SENTENCES, RANKED_FEATURES,
                                       _fold_in_place)
from retrieval.text.sentences import sentence_spans
from retrieval.answer.question import _CAUSE, _DATE, _NUMBER, Coverage, parse_query
from retrieval.answer.ranker import RANKER_PATH, WindowRanker, hand_tuned
from retrieval.text.translation import DICTIONARY_PATH, Dictionary, shipped_dictionary
from retrieval.text.vectors import VECTORS_PATH, shipped_vectors

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
def first_quote(engine: AnswerEngine, question: str) -> str | None:
    answer = engine.answer(question)
    return answer.excerpts[0].text if answer.excerpts else None


@pytest.fixture(scope="module")
def seeds() -> AnswerEngine:
    return AnswerEngine.from_folder(SEEDS)


def test_the_shipped_ranker_is_plain_json_small_and_loaded_by_the_engine(seeds):
    assert RANKER_PATH.stat().st_size < 1_000_000
    data = json.loads(RANKER_PATH.read_text(encoding="utf-8"))
    assert tuple(data["features"]) == RANKED_FEATURES
    assert seeds.ranker.weights.tolist() == data["weights"]


def test_a_ranker_trained_on_other_features_is_refused():
    text = RANKER_PATH.read_text(encoding="utf-8")
    with pytest.raises(ValueError):
        WindowRanker.from_json(text, RANKED_FEATURES[:-1])


def test_the_learned_ranker_changes_the_choice_the_hand_tuned_scorer_made(seeds):
    """The old scorer quoted the United States' decision, which shares the question's word
    « décision »; the learned ranker quotes what the Parliament asked, its subject."""
    old = AnswerEngine(seeds.articles, seeds.index, ranker=hand_tuned(FEATURES))
    question = "Quelle décision le Parlement irakien a-t-il prise ?"
    assert "Parlement" in first_quote(seeds, question)
    assert "Parlement" not in first_quote(old, question)


def test_word_vectors_bring_words_of_near_meaning_together():
    vectors = shipped_vectors()
    term = DOCUMENT_ANALYZER.terms
    [tue], [assassinat], [parlement] = term("tué"), term("assassinat"), term("parlement")
    [reclame], [demandait] = term("réclamé"), term("demandait")
    assert vectors.similarity(tue, assassinat) > vectors.similarity(tue, parlement) + 0.2
    assert vectors.similarity(reclame, demandait) > 0.5
    assert VECTORS_PATH.stat().st_size < 5_000_000


def test_a_window_that_says_it_in_other_words_gets_a_soft_match():
    text = ("La grève\n\nLes syndicats réclamaient une hausse des salaires. La direction a "
            "refusé.\n\nLes syndicats ont manifesté devant le siège, a dit la direction.")
    engine = AnswerEngine([parse_txt("g", text)])
    found, features = engine.candidates("Que demandaient les syndicats ?")
    gain = features[:, FEATURES.index("soft_gain")]
    texts = [c.hit.passage.paragraph.text[c.start:c.end] for c in found]
    said = texts.index("Les syndicats réclamaient une hausse des salaires.")
    other = texts.index("Les syndicats ont manifesté devant le siège, a dit la direction.")
    assert gain[said] > gain[other]


def test_an_english_question_is_put_in_french_keeping_names_and_numbers():
    query = parse_query("Where is the embassy that was attacked in 2020 by Kataib?",
                        shipped_dictionary())
    assert query.english
    assert {"ambassad", "attaqu", "2020", "kataib"} <= set(query.terms)
    # Translations of one word are alternatives for it, not more words of the question.
    assert query.groups["attaqu"] == query.groups["assaill"]
    assert not parse_query("Qui a signé la lettre ?", shipped_dictionary()).english


def test_a_questions_words_read_again_give_the_same_query_each_typed_word_its_own():
    """A question's words are read once a process and remembered: asked again, the same
    query. Each term's typed word is its word alone, even where normalising changed the word's
    length (« ﬁn » is "fin", not "fin" and the space after it); a capital inside the question
    is a name."""
    question = "Qu'a dit Macron de la ﬁn des aides ?"
    query = parse_query(question, shipped_dictionary())
    assert query == parse_query(question, shipped_dictionary())
    assert query.words == {"dit": "dit", "macron": "macron", "fin": "fin", "aid": "aides"}
    assert query.names == {"macron"} and not query.english


def test_the_dictionary_finds_inflected_english_words():
    dictionary = Dictionary.load(DICTIONARY_PATH)
    assert "attaquer" in dictionary.translate("attacked")
    assert "ambassade" in dictionary.translate("embassies")
    assert dictionary.translate("Kataib") == ()


@pytest.mark.parametrize("question, expected", [
    ("Where is the embassy that was attacked?", "Zone verte"),
    ("Who is the head of the Pentagon?", "Mark Esper"),
    ("When was the embassy attacked?", "attaquée mardi"),
])
def test_english_questions_get_french_quotes(seeds, question, expected):
    assert expected in (first_quote(seeds, question) or "")


@pytest.mark.parametrize("question", [
    "What is the weather like in London today?",
    "Who won the football world cup?",
    "Quelle est la capitale du Canada ?",
    "Bonjour",
])
def test_questions_the_articles_do_not_answer_still_get_no_quote(seeds, question):
    assert first_quote(seeds, question) is None


def test_of_two_numbers_the_one_beside_the_questions_words_is_quoted():
    text = ("Le club\n\nLe club de Lyon a recruté un nouvel entraîneur cet été, après une saison "
            "difficile marquée par des blessures, des défaites à domicile et le départ de "
            "plusieurs joueurs cadres vers des clubs étrangers ; selon son président, il compte "
            "désormais 300 adhérents. Le club de Lyon a organisé 12 tournois, dit son président, "
            "qui se réjouit d'une année réussie.")
    engine = AnswerEngine([parse_txt("c", text)])
    quote = first_quote(engine, "Combien de tournois le club de Lyon a-t-il organisés ?")
    assert quote and "12 tournois" in quote and "300" not in quote


def test_a_date_written_with_accents_is_the_wanted_kind_in_its_place():
    """Accents are folded for the wanted kind's patterns one character for one, so that
    « février » is a month and what it finds stays where it is in the text."""
    text = ("La médiathèque\n\nÀ Évry, la médiathèque Élisabeth-Héré, rénovée à grands frais, "
            "a été inaugurée par la mairie le 3 février 2021. Cet été, la ville a aussi ouvert "
            "un théâtre, qui était prévu depuis longtemps.")
    engine = AnswerEngine([parse_txt("m", text)])
    quote = first_quote(engine, "Quand la médiathèque a-t-elle été inaugurée ?")
    assert quote and "inaugurée par la mairie le 3 février 2021." in quote
    folded = _fold_in_place(text)
    assert len(folded) == len(text) and "fevrier 2021" in folded
    assert folded == "".join(remove_accents(c)[:1] or c for c in text)


@pytest.mark.parametrize("pattern", [_NUMBER, _DATE, _CAUSE])
def test_every_word_of_a_wanted_kind_is_found_in_any_case(pattern):
    """Each list is looked for only after a lookahead of its words' first letters: a word
    added to the list with another first letter must be added there too."""
    words = pattern.pattern.split("])(", 1)[1].rsplit(")", 1)[0].split("|")
    plain = [w.rstrip("?") for w in words if re.fullmatch(r"[a-z' ]+\??", w)]
    assert len(plain) > 10
    for word in plain:
        for written in (word, word.upper(), word.capitalize()):
            found = pattern.search(f"x {written} x")
            assert found and found.start() == 2 and found.group().casefold() == word, written


def test_an_hour_ends_a_sentence_but_an_initial_does_not():
    text = "Il est arrivé vers 18 h. Il est reparti. Le général William H. Seely a signé."
    assert [text[a:b] for a, b in sentence_spans(text)] == [
        "Il est arrivé vers 18 h.", "Il est reparti.", "Le général William H. Seely a signé."]


def test_abbreviations_and_initials_do_not_end_a_sentence_but_other_ends_do():
    text = ("Au Ier siècle av. J.-C. la ville grandit. M. Dupont, dit Dr. No, est venu ! "
            "Il a dit : « Et après ? » Puis il partit vers 5 h. Le lendemain, etc. Il revint.")
    assert [text[a:b] for a, b in sentence_spans(text)] == [
        "Au Ier siècle av. J.-C. la ville grandit.", "M. Dupont, dit Dr. No, est venu !",
        "Il a dit : « Et après ? »", "Puis il partit vers 5 h.", "Le lendemain, etc. Il revint."]


def test_the_sentence_after_the_questions_words_can_be_quoted_alone():
    """The answer often follows the sentence that holds the question's words; when the two
    together are too long to quote, the one after is a candidate on its own."""
    text = ("La Pologne\n\nDepuis la fin du siècle des Lumières, de très nombreux Polonais ont "
            "quitté leur pays pour les États-Unis, l'Allemagne, la France, le Canada ou le "
            "Brésil, fuyant la misère des campagnes puis les guerres et les partages successifs, "
            "et formant l'une des plus vastes diasporas d'Europe centrale. On en compte "
            "aujourd'hui vingt millions.")
    engine = AnswerEngine([parse_txt("p", text)])
    answer = engine.answer("Combien de Polonais ont quitté leur pays ?")
    assert "On en compte aujourd'hui vingt millions." in [e.text for e in answer.excerpts]


def test_an_article_about_the_questions_subject_is_surer_than_one_naming_it_in_passing():
    """Both paragraphs hold the question's words, Sète included; only the first article is
    about Sète (its title says so), and its quote gets the higher confidence (the model before
    "title_share" was surer of the other)."""
    question = "Quand les dockers de Sète ont-ils voté la grève ?"
    about = parse_txt("sete", "Grève au port de Sète\n\nLes dockers ont voté la grève mardi, "
                      "à l'appel de leur syndicat.")
    passing = parse_txt("ports", "Les ports de France\n\nÀ Marseille, les dockers ont voté la "
                        "grève jeudi ; à Sète, un débat est prévu.")
    answers = [AnswerEngine([article]).answer(question) for article in (about, passing)]
    sure, unsure = ((answer.excerpts or answer.nearest)[0] for answer in answers)
    assert sure.confidence > unsure.confidence + 0.05


def test_a_window_scores_the_same_whatever_order_its_words_are_read_in():
    """The words a window holds are a set, read in another order by each process: its share of
    the question must not change with it (a tie broken differently by the bot and `ask`)."""
    weights = {"lettr": 0.1, "sign": 0.2, "minist": 0.3, "defens": 0.7}
    coverage = Coverage(weights, {term: n for n, term in enumerate(weights)})
    shares = {coverage(order) for order in (list(weights), list(reversed(weights)),
                                            ["sign", "defens", "lettr", "minist"])}
    assert len(shares) == 1


def _reference_windows(spans: list[tuple[int, int]], shares: list[float]) -> list[tuple[int, int]]:
    """The README's windows, read one by one: every run of one to three sentences (at most
    MAX_CHARS unless it is one) around each of the (at most MAX_SCORED_SENTENCES) sentences
    that hold the most of the question, and the sentence just before or after one alone."""
    held = [s for s, share in enumerate(shares) if share > 0]
    best = heapq.nlargest(MAX_SCORED_SENTENCES, held, key=shares.__getitem__)
    windows = set()
    for s in best:
        for i in range(max(0, s - 2), s + 1):
            for j in range(s, min(i + 3, len(spans))):
                if i == j or spans[j][1] - spans[i][0] <= MAX_CHARS:
                    windows.add((i, j))
        windows.update((n, n) for n in (s - 1, s + 1) if 0 <= n < len(spans))
    return sorted(windows)


@pytest.mark.parametrize("question", [
    "Qui a signé la lettre ?", "Combien de soldats américains sont en Irak ?",
    "Pourquoi les dockers de Marseille font-ils grève ?", "Quand la grève a-t-elle commencé ?"])
def test_the_windows_found_for_all_passages_at_once_are_those_read_one_by_one(question):
    """Windows are worked out with numpy for all of a question's passages at once: the same
    windows, passage by passage, as the plain definition gives; in a paragraph where more than
    MAX_SCORED_SENTENCES sentences hold the question, around its best ones (the earlier between
    equals)."""
    strike = " ".join(f"Les dockers font grève au quai {n}." if n % 4 else
                      f"À Marseille, les dockers font grève au quai {n}." for n in range(30))
    articles = [*load_corpus(SEEDS), parse_txt("greve", f"La grève\n\n{strike}")]
    engine = AnswerEngine(articles)
    hits, asked = engine._read(question)
    found, _ = features.candidates(hits, asked, engine.vectors)
    assert found
    vectors_question = features._Asked(asked, engine.vectors)
    crowded = False  # a paragraph with more sentences holding the question than are scored
    for rank, hit in enumerate(hits):
        passage = features._Passage(hit, rank, hits[0].score, vectors_question, DOCUMENT_ANALYZER)
        spans = sentence_spans(hit.passage.paragraph.text)
        starts = [a for a, _ in spans]
        terms: list[set[str]] = [set() for _ in spans]
        for t in passage.tokens:
            terms[max(bisect_right(starts, t.start) - 1, 0)].add(t.term)
        shares = [passage.titled(held) if held else 0.0 for held in terms]
        crowded |= sum(share > 0 for share in shares) > MAX_SCORED_SENTENCES
        expected = [(spans[i][0], spans[j][1]) for i, j in _reference_windows(spans, shares)]
        assert [(c.start, c.end) for c in found if c.hit is hit] == expected
    assert crowded == ("grève" in question)


def test_the_compiled_windows_choose_and_describe_them_as_the_reference_to_the_bit(
        seeds, monkeypatch):
    """Questions made of the seed articles' own words (some asking for a number or a date),
    and a paragraph where more sentences hold the question than are scored: the same windows,
    question words and features, to the last bit, from the compiled windows as from numpy."""
    compiled = compiled_windows()
    strike = " ".join(f"Les dockers font grève au quai {n}." for n in range(30))
    articles = [*seeds.articles, parse_txt("greve", f"La grève\n\n{strike}")]
    engine = AnswerEngine(articles)
    rng = random.Random(0)
    questions = ["Combien de dockers font grève au quai ?"]
    for article in articles:
        for paragraph in article.paragraphs:
            words = paragraph.text.split()
            for opening in ("", "Combien ", "Quand ", "Qui ") * 3:
                questions.append(opening + " ".join(rng.sample(words, min(len(words), 4))))
    compared = 0
    for question in questions:
        read = engine._read(question)
        if read is None:
            continue
        both = []
        for way in (compiled, None):
            monkeypatch.setattr(features, "_windows", way)
            found, matrix = features.windows_found(*read, engine.vectors)
            both.append([matrix.shape] + [a.tobytes() for a in (
                matrix, found.passage, found.start, found.end, found.low, found.high)])
        assert both[0] == both[1], question
        compared += 1
    assert compared >= 60


def _laid_out(rng: random.Random) -> tuple[np.ndarray, ...]:
    """Random passages' sentences and question words laid end to end, as windows_found lays
    them out: sentences of 1 to 250 characters (some windows too long), words a few
    characters apart (some side by side, in the question's order or not), shares that tie."""
    spans, tokens, sentence_of, passage_of, shares, bases = [], [], [], [], [], [(0, 0)]
    for passage in range(rng.randint(1, 8)):
        at = 0
        for _ in range(rng.randint(1, 40)):
            start = at + rng.randint(0, 2)
            at = start + rng.randint(1, 250)
            held, word = 0, start
            while rng.random() < 0.5 and word < at:
                end = word + rng.randint(1, 8)
                tokens.append((word, end, rng.randint(0, 4)))
                sentence_of.append(len(spans))
                word, held = end + rng.randint(0, 16), held + 1
            shares.append(rng.choice([0.1, 0.25, 0.5, 1.0]) if held else 0.0)
            spans.append((start, at))
            passage_of.append(passage)
        bases.append((len(spans), len(tokens)))
    return (np.array(passage_of, dtype=np.int64), np.array(bases, dtype=np.int64),
            np.array(spans, dtype=np.int64).reshape(-1, 2), np.array(sentence_of, dtype=np.int64),
            np.array(tokens, dtype=np.int64).reshape(-1, 3), np.array(shares))


@pytest.mark.parametrize("seed", range(20))
def test_the_compiled_windows_are_the_reference_to_the_bit_on_random_passages(seed, monkeypatch):
    """Every window around the best sentences of random passages, its span, question words,
    rows and facts (shares, lengths, in order, compact...), to the last bit, and the sentences
    covered, from the compiled windows as from numpy."""
    compiled = compiled_windows()
    rng = random.Random(seed)
    compared = 0
    for _ in range(20):
        passage_of, bases, spans, sentence_of, tokens, shares = _laid_out(rng)
        best = features._best_sentences(shares, passage_of)
        if not len(best):
            continue
        pairs = rng.randint(1, 4)  # the question's neighbouring words
        both = []
        for way in (compiled, None):
            monkeypatch.setattr(features, "_windows", way)
            both.append([(a.shape, a.dtype.kind, np.ascontiguousarray(a).tobytes())
                         for a in features._window_facts(best, passage_of, bases, spans,
                                                         sentence_of, tokens, shares, pairs)])
        assert both[0] == both[1]
        compared += 1
    assert compared >= 15


def test_the_compiled_windows_refuse_arrays_that_do_not_fit_together() -> None:
    """A best sentence outside the passages, outputs too small for its windows, a window's
    sentence outside the facts whose best it reads, are refused, not read or written past the
    arrays' ends."""
    windows = compiled_windows().windows
    passage_of, bases, spans = (np.zeros(2, dtype=np.int64), np.array([[0, 0], [2, 0]]),
                                np.array([[0, 10], [11, 20]]))
    none, shares = np.zeros(0, dtype=np.int64), np.ones(2)
    arrays = (passage_of, bases, spans, none, none, shares)
    constants = (features.MAX_SENTENCES, MAX_CHARS, features.IN_ORDER_CHARS, 1)
    room = len(features._AROUND_PAIRS)

    def outputs(capacity: int) -> tuple[np.ndarray, ...]:
        return (np.empty((len(features._WINDOW_INTS), capacity), dtype=np.int64),
                np.empty((len(features._WINDOW_FLOATS), capacity)),
                np.zeros(2, dtype=np.uint8), np.empty(2, dtype=np.int64))

    assert windows(np.array([1]), features._AROUND_PAIRS, *arrays, *constants,
                   *outputs(room)) == 3  # (0, 1), (1, 1) and (0, 0)
    for best, capacity in ((np.array([2]), room), (np.array([-1]), room),
                           (np.array([1]), room - 1)):
        with pytest.raises(ValueError):
            windows(best, features._AROUND_PAIRS, *arrays, *constants, *outputs(capacity))
    bests, facts, rows = compiled_windows().bests, (np.ones((2, 3)), np.ones((2, 1))), np.zeros(1)
    bests(rows.astype(np.int64), rows.astype(np.int64), rows.astype(np.int64), facts, 2,
          np.empty(4))
    for row, out in ((2, np.empty(4)), (-1, np.empty(4)), (0, np.empty(3))):
        with pytest.raises(ValueError):
            bests(rows.astype(np.int64), rows.astype(np.int64), rows.astype(np.int64) + row,
                  facts, 2, out)
