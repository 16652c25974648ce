"""Knowing when the articles do not answer: the three outcomes, each quote's confidence, the
model stored as plain JSON; names matched as names."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from conftest import compiled_windows

from retrieval import ANSWERED, NONE, UNSURE, AnswerEngine, parse_md, parse_txt
from retrieval.answer.answerability import (ANSWER_QUOTES, ANSWERABILITY_PATH, ARCHIVE_PASSAGES,
                                            Answerability, Trees, quotes_chance)
from retrieval.answer.features import FEATURES
from retrieval.articles.documents import load_corpus
from retrieval.engine import NEAREST_QUOTES
from retrieval.evaluation import load_dev

HERE = Path(__file__).resolve().parent
SEEDS = HERE.parent / "seeds"
UNANSWERABLE = [q.question for name in ("dev.jsonl", "english.jsonl")
                for q in load_dev(HERE / "data" / name) if q.expected is None]


def constant(bias: float) -> Answerability:
    """A model that gives every quote the same confidence, sigmoid(bias), and every question
    the chance sigmoid(bias) on an archive; it answers when one of three is 90% likely to,
    shows the nearest passages when the quotes' own chance is 30%."""
    return Answerability((), np.zeros(0), np.ones(0), np.zeros(0), bias,
                         Trees.of((), bias, 0, []), (0.9, 0.9), 0.3)


@pytest.fixture(scope="module")
def seed() -> list:
    return load_corpus(SEEDS)


@pytest.mark.parametrize("bias, outcome", [(3.0, ANSWERED), (-1.0, UNSURE), (-5.0, NONE)])
def test_the_three_outcomes(seed, bias, outcome):
    answer = AnswerEngine(seed, answerability=constant(bias)).answer("Qui a signé la lettre ?")
    assert answer.outcome == outcome
    assert answer.answered == (outcome == ANSWERED)
    if outcome == ANSWERED:
        assert len(answer.excerpts) == 3 and not answer.nearest
    elif outcome == UNSURE:
        assert not answer.excerpts and len(answer.nearest) == NEAREST_QUOTES
        assert "William H. Seely" in answer.nearest[0].text  # the nearest, not nothing
    else:
        assert not answer.excerpts and not answer.nearest


def test_nearest_passages_are_verbatim_with_their_offsets(seed):
    engine = AnswerEngine(seed, answerability=constant(-1.0))
    for quote in engine.answer("Qui a signé la lettre ?").nearest:
        text = engine.articles[0].text
        assert text[quote.source.start:quote.source.end] == quote.text


def test_every_quote_has_a_confidence_between_0_and_1_higher_when_it_answers(seed):
    engine = AnswerEngine(seed)
    answer = engine.answer("Qui a signé la lettre ?")
    assert answer.outcome == ANSWERED
    assert all(0 < e.confidence < 1 for e in answer.excerpts)
    unsure = engine.answer("Qui a critiqué la lettre ?")  # the letter, but no critic named
    assert unsure.outcome == UNSURE
    assert answer.excerpts[0].confidence > max(e.confidence for e in unsure.nearest)


def test_an_english_question_the_article_does_not_answer_is_as_unsure_as_in_french(seed):
    """No critic is named: asked in English, the letter's quotes are no surer an answer. The
    model's `english` input lifts every English quote, as much as the dictionary's wrong first
    senses lower a right one's shares on average: less since they are fewer."""
    engine = AnswerEngine(seed)
    assert engine.answer("Qui a critiqué la lettre ?").outcome == UNSURE
    assert engine.answer("Who criticized the letter?").outcome == UNSURE


@pytest.mark.parametrize("question", UNANSWERABLE)
def test_no_unanswerable_seed_question_is_answered(seed, question):
    assert AnswerEngine(seed).answer(question).outcome != ANSWERED


def test_on_an_archive_the_question_model_decides_on_a_few_articles_the_quotes():
    """Quotes each 1% likely to answer, a question model sure that one does: on the seed (a
    few passages) the quotes' own chance says nothing near; on an archive the trees' answer."""
    sure = Answerability((), np.zeros(0), np.ones(0), np.zeros(0), -4.6,
                         Trees.of((), 5.0, 0, []), (0.9, 0.9), 0.3)
    question = "Qui a signé la lettre ?"
    assert AnswerEngine(load_corpus(SEEDS), answerability=sure).answer(question).outcome == NONE
    filler = [f"Le marché numéro {n} de la ville ouvre le matin et ferme le soir."
              for n in range(ARCHIVE_PASSAGES)]
    archive = [*load_corpus(SEEDS), parse_txt("marchés", "\n\n".join(["Les marchés", *filler]))]
    engine = AnswerEngine(archive, answerability=sure)
    assert engine.passage_count() >= ARCHIVE_PASSAGES
    answer = engine.answer(question)
    assert answer.outcome == ANSWERED
    assert any("William H. Seely" in e.text for e in answer.excerpts)
    assert all(e.confidence < 0.02 for e in answer.excerpts)  # each quote keeps its own


def test_trees_are_walked_to_their_leaves():
    """One tree: input 0 at most 1 goes left to a leaf (-1); else input 1 at most 0 to a
    leaf (+1), else to a leaf (+3); the chance is sigmoid(base + the leaf)."""
    tree = {"feature": [0, -1, 1, -1, -1], "threshold": [1.0, 0, 0.0, 0, 0],
            "left": [1, 0, 3, 0, 0], "right": [2, 0, 4, 0, 0], "value": [0, -1.0, 0, 1.0, 3.0]}
    trees = Trees.of(("a", "b"), 0.5, 2, [tree])
    for row, leaf in (([0.0, 9.0], -1.0), ([2.0, -1.0], 1.0), ([2.0, 1.0], 3.0)):
        assert trees.chance(np.array(row)) == pytest.approx(1 / (1 + np.exp(-(0.5 + leaf))))
    with pytest.raises(ValueError):
        Trees.of(("a",), 0.5, 2, [tree])  # a node reads input 1, which it has not


def test_the_shipped_trees_give_the_chance_of_each_tree_walked_node_by_node():
    """The trees are walked from every node's way for the row, worked out at once: the same
    leaves, and the same chance to the bit, as walking each tree from its root."""
    model = Answerability.from_json(ANSWERABILITY_PATH.read_text(encoding="utf-8"), FEATURES)
    trees = model.question
    rows = np.random.default_rng(17).normal(size=(200, len(trees.inputs)))
    for row in rows:
        leaves = []
        for root in range(0, len(trees.value), trees.width):
            node = root
            for _ in range(trees.depth):
                node = int(trees.left[node] if row[trees.feature[node]] <= trees.threshold[node]
                           else trees.right[node])
            leaves.append(node)
        expected = 1 / (1 + np.exp(-np.clip(trees.base + trees.value[leaves].sum(), -30, 30)))
        assert trees.chance(row) == float(expected)
        assert trees.leaves_reference(row).tolist() == leaves


def test_the_compiled_trees_lead_each_row_to_the_references_leaves() -> None:
    """_windows.c walks the shipped trees to the leaves numpy's reference finds, rows of
    thresholds, NaN and infinities among them; nodes that lead outside, or inputs the row has
    not, are refused, not read past the arrays' ends."""
    leaves = compiled_windows().leaves
    trees = Answerability.from_json(ANSWERABILITY_PATH.read_text(encoding="utf-8"),
                                    FEATURES).question
    rng = np.random.default_rng(5)
    rows = rng.normal(size=(300, len(trees.inputs)))
    rows[:100] = trees.threshold[rng.integers(0, len(trees.threshold), rows[:100].shape)]
    rows[100:110, ::3] = np.nan
    rows[110:120, 1::4] = np.inf
    for row in rows:
        assert trees.leaves(row).tolist() == trees.leaves_reference(row).tolist()
    arrays = (trees.feature, trees.threshold, trees.left, trees.right)
    out = np.empty(len(trees.roots), dtype=np.int64)
    with pytest.raises(ValueError):
        leaves(rows[0][:1], *arrays, trees.width, trees.depth, out)  # inputs it has not
    with pytest.raises(ValueError):
        leaves(rows[0], *arrays, trees.width, trees.depth, out[:-1])
    outside = trees.left + len(trees.left)
    with pytest.raises(ValueError):
        leaves(rows[0], trees.feature, trees.threshold, outside, outside, trees.width,
               trees.depth, out)


def test_the_quotes_chance_is_numpys_product_to_the_bit():
    """1 − Π(1 − confidence) over the first three quotes, multiplied in numpy's order."""
    for confidences in np.random.default_rng(3).random((500, 4)) ** 3:
        for count in (1, 2, 3, 4):
            chosen = confidences[:count]
            assert quotes_chance(chosen) == float(1 - np.prod(1 - chosen[:ANSWER_QUOTES]))


def test_the_model_is_plain_json_naming_features_the_code_declares():
    data = json.loads(ANSWERABILITY_PATH.read_text(encoding="utf-8"))
    model = Answerability.from_json(json.dumps(data), FEATURES)
    assert all(0 < model.near_at <= answer < 1 for answer in model.answer_at)
    assert Answerability.from_json(model.to_json(), FEATURES).to_json() == model.to_json()
    with pytest.raises(ValueError):
        Answerability.from_json(json.dumps({**data, "inputs": ["no_such", *data["inputs"][1:]]}),
                                FEATURES)
    with pytest.raises(ValueError):
        Answerability.from_json(json.dumps({**data, "weights": data["weights"][1:]}), FEATURES)


NAMES = """---
title: "Villes et forêts"
---

Le bois de la forêt de Tronçais sert à faire des tonneaux, et le bois de chêne y est coupé
chaque hiver depuis le XVIIe siècle.

Boise, la capitale de l'Idaho, compte environ 235 000 habitants selon le recensement.
"""


def test_a_name_is_not_matched_by_a_common_word_of_the_same_stem():
    engine = AnswerEngine([parse_md("villes", NAMES)])
    answer = engine.answer("Combien d'habitants compte Boise ?")
    first = (answer.excerpts or answer.nearest)[0]
    assert "235 000 habitants" in first.text
    for quote in answer.excerpts + answer.nearest:
        assert all(quote.text[a:b] != "bois" for a, b in quote.highlights)


CYLINDER = "\n\n".join([
    "Les antiquités perses",
    "Le cylindre de terre cuite servait de sceau : on roulait le cylindre sur l'argile.",
    "Un autre cylindre, plus petit, est exposé à Londres ; ce cylindre est en pierre.",
    "Le cylindre de Cyrus, rédigé en akkadien, proclame la libération des peuples déportés.",
    "Les collections de cylindres réunissent des sceaux de toute la Mésopotamie.",
])


def test_a_name_anchors_the_question_over_a_word_repeated_elsewhere():
    answer = AnswerEngine([parse_txt("perses", CYLINDER)]).answer(
        "Que proclame le cylindre de Cyrus ?")
    assert "libération des peuples" in (answer.excerpts or answer.nearest)[0].text


REFORM = "\n\n".join([
    "La réforme des retraites",
    "Le projet a été présenté mardi en conseil des ministres. Quelques personnalités ont "
    "largement communiqué sur le projet. Marie Dupont et Jean Martin ont multiplié les "
    "interviews. Le texte sera débattu en mars.",
    "Les syndicats ont appelé à manifester jeudi contre le projet, dans toutes les villes.",
])


@pytest.mark.parametrize("question", [
    "Quelles personnalités ont communiqué sur le projet ?",
    "Qui a largement communiqué sur le projet ?",
])
def test_the_answer_in_the_sentence_after_the_question_words_is_quoted_with_them(question):
    answer = AnswerEngine([parse_txt("retraites", REFORM)]).answer(question)
    first = (answer.excerpts or answer.nearest)[0].text
    assert "communiqué sur le projet" in first and "Marie Dupont et Jean Martin" in first


def test_an_english_word_the_dictionary_does_not_know_does_not_make_a_right_answer_unsure(seed):
    """"pullout" has no translation: it weighs as the question's other words, not as the
    rarest word of the articles."""
    answer = AnswerEngine(seed).answer("Who signed the letter about the pullout of the troops?")
    assert answer.outcome == ANSWERED and "William H. Seely" in answer.excerpts[0].text


def test_an_english_word_written_as_in_french_is_found(seed):
    """"paragraph" is the stem of « paragraphe », which the dictionary does not give."""
    answer = AnswerEngine(seed).answer("Which paragraph was badly worded?")
    assert answer.outcome == ANSWERED and "mal formulé" in answer.excerpts[0].text


def dated(day: str, vote: str) -> str:
    return (f"---\ntitle: Le conseil de Sète vote {vote}\ndate: {day}\n---\n\n"
            f"Le conseil municipal de Sète a voté {vote} lors de sa séance.\n")


def test_a_year_no_passage_names_is_read_from_the_articles_dates():
    """On a few near-identical articles, « en 2019 » is in none of their texts: the article of
    2019 answers, as sure as the question without a year."""
    engine = AnswerEngine([parse_md("a", dated("2019-06-03", "la médiathèque")),
                           parse_md("b", dated("2021-02-10", "le budget du port")),
                           parse_md("c", dated("2023-09-21", "la piscine"))])
    for question in ("Qu'a voté le conseil municipal en 2019 ?",
                     "What did the town council vote in 2019?"):
        answer = engine.answer(question)
        assert answer.outcome == ANSWERED, question
        assert answer.excerpts[0].source.document == "a", question


def test_the_english_training_questions_are_of_other_articles_than_the_measured_ones():
    """benchmarks/data: English questions of my own, each with its French original's number in
    PIAF; those trained on are never those measured (nothing of PIAF is copied)."""
    data = HERE.parent / "benchmarks" / "data"
    trained, measured = ([json.loads(line) for line in (data / name).read_text().splitlines()]
                         for name in ("piaf_english_train.jsonl", "piaf_english.jsonl"))
    assert all(set(row) == {"piaf", "question"} for row in trained + measured)
    assert not {r["piaf"] for r in trained} & {r["piaf"] for r in measured}
