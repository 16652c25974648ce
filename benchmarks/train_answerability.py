"""Train the answerability model on PIAF and measure it by cross-validation grouped by article.

Held-out articles (`evaluation.held_out`) are never read here. On the others, 5 folds by
article: each fold's ranker is learned on the other folds (as `train_ranker.py` does), then
its quotes are labelled on the fold's questions twice: asked of every training article
(a quote is right when it holds an expected answer and comes from the question's article), and
asked of the articles without the fold's ones, keeping only the questions whose answers no
paragraph left holds (real negatives: every quote is wrong). The bot also answers from a
single article (the seed), where words found by chance are rarer: each question is asked as
well of its own article alone, and of it without the paragraphs that hold its answers (a
negative when no paragraph left holds one). The English questions of my own for training
articles (`data/piaf_english_train.jsonl`, one per article) are asked the same four ways: an
English question's right quote holds fewer of its words (the dictionary's guesses), which the
model reads from its `english` input. A logistic regression over each quote's window
features, ranker score, margin and place gives its confidence (cross-validated here, for the
trees to read its out-of-fold chance; the shipped one and its thresholds on a few articles are
kept unless --retrain-quotes). Gradient-boosted trees over the row of each question asked of
the archive (the first quote's features and how the quotes agree: `question_inputs`) give the
chance that one of its quotes holds the answer; they are cross-validated by article, and the
thresholds chosen on their out-of-fold chances: `answer_at` the highest that still answers
TARGET_COVERAGE of the answerable questions (or lower while the answers stay right PRECISION
of the time). `near_at`, on the quotes' own chance, withholds the nearest passages from only
NEAR_MISS of the questions whose quotes hold the answer. Stored as plain JSON
(`retrieval/data/answerability.json`: the trees as arrays of nodes), predicted with numpy.

    pip install -e '.[train]'
    nice python benchmarks/train_answerability.py ../shared/eval/piaf-v1.0.json
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import NamedTuple

import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold

from benchmarks.train_ranker import FOLDS, fit, windows
from retrieval import AnswerEngine, parse_txt
from retrieval.answer.answerability import (ANSWER_QUOTES, ANSWERABILITY_PATH,
                                            FIRST_QUOTE_INPUTS, QUESTION_INPUTS, QUOTE_INPUTS,
                                            Answerability, Trees, always_answers,
                                            question_inputs, quote_inputs)
from retrieval.answer.features import FEATURES
from retrieval.answer.ranker import hand_tuned
from retrieval.evaluation import (held_out, load_squad, load_translated, quotes_one_of,
                                  without_answers)

# The quote model's inputs: every window feature, and the quote's score, margin and place (a
# chosen dozen of the features did as well, not better).
INPUTS = (*FEATURES, *QUOTE_INPUTS)
# The question model's: the first quote's window features, score, margin and `english`, and
# how the quotes agree.
QUESTION_MODEL_INPUTS = (*FEATURES, *FIRST_QUOTE_INPUTS, *QUESTION_INPUTS)
# The question model's trees: few and shallow (a row walks them in MAX_DEPTH numpy steps). In
# cross-validation, depth 2, 100 trees, a learning rate of 0.1 or sklearn's leaves (at least
# 20 questions, no L2 penalty) did the same within 0.1 point of precision at 80% coverage.
MAX_DEPTH = 3
TREES = {"max_depth": MAX_DEPTH, "max_iter": 200, "learning_rate": 0.05, "min_samples_leaf": 50,
         "l2_regularization": 1.0, "early_stopping": False}
# The share of answerable questions it must still answer.
TARGET_COVERAGE = 0.8
# The precision of answers aimed at (issue 16): where the trees reach it is printed.
PRECISION = 0.9
# The share of the questions whose quotes hold the answer that may get "nothing near".
NEAR_MISS = 0.05
# English questions of my own for PIAF's training articles (the number of each French original
# and the question; nothing of PIAF copied): the model learns how an English question's quotes,
# read through the dictionary, hold less of it when right.
ENGLISH_PATH = Path(__file__).parent / "data" / "piaf_english_train.jsonl"
# Regularisation of the logistic regression: sklearn's default C (not tuned: a few thousand
# questions for thirty weights).
C = 1.0


# Each part's questions are numbered scenario * len(questions) + the PIAF question's number
# (an English question has its French original's): the scenarios.
ARCHIVE, ARCHIVE_NEGATIVE, ALONE, ALONE_NEGATIVE = 0, 1, 2, 3
ENGLISH = 4  # added to the scenario of an English question


class Asked(NamedTuple):
    """The rows of questions asked: per quote, the quote model's inputs, right or not, its
    place and its question's number; per question with a quote, the question model's inputs,
    whether one of its quotes is right, and its number; the numbers of those without any."""

    x: np.ndarray
    y: np.ndarray
    place: np.ndarray
    owner: np.ndarray
    qx: np.ndarray
    qy: np.ndarray
    qowner: np.ndarray
    unquoted: np.ndarray

    def numbered(self, offset: int) -> Asked:
        """The same, the questions numbered from `offset`."""
        return self._replace(owner=self.owner + offset, qowner=self.qowner + offset,
                             unquoted=self.unquoted + offset)


def rows(engine: AnswerEngine, questions, answerable: bool) -> Asked:
    """The questions' rows (Asked), their quotes right when they hold an expected answer and
    come from the question's article (never for an unanswerable question)."""
    xs: list[np.ndarray] = []
    qxs: list[np.ndarray] = []
    ys: list[bool] = []
    qys: list[bool] = []
    places: list[int] = []
    owners: list[int] = []
    qowners: list[int] = []
    unquoted: list[int] = []
    for n, q in questions:
        chosen = engine.quotes(q.question, ANSWER_QUOTES, FEATURES)
        if not chosen.excerpts:
            unquoted.append(n)  # no quote at all: nothing near
            continue
        passages = engine.passage_count()
        xs.append(quote_inputs(INPUTS, chosen.features, FEATURES, chosen.scores, chosen.margins,
                               passages, chosen.english))
        right = [answerable and e.source.document == q.document
                 and quotes_one_of(e.text, list(q.answers)) for e in chosen.excerpts]
        ys.extend(right)
        places.extend(range(len(right)))
        owners.extend([n] * len(right))
        # quotes_chance is filled in once the quote model is cross-validated.
        qxs.append(question_inputs(QUESTION_MODEL_INPUTS, chosen.features, FEATURES,
                                   chosen.scores, chosen.margins,
                                   [(e.source.document, e.source.paragraph)
                                    for e in chosen.excerpts], np.zeros(len(right)),
                                   chosen.english))
        qys.append(any(right))
        qowners.append(n)
    empty = np.zeros((0, len(INPUTS)))
    return Asked(np.vstack([empty, *xs]), np.array(ys, bool), np.array(places, int),
                 np.array(owners, int), np.vstack([np.zeros((0, len(QUESTION_MODEL_INPUTS))),
                                                   *qxs]),
                 np.array(qys, bool), np.array(qowners, int), np.array(unquoted, int))


def single_article(documents, tested, ranker, offset: int) -> list[tuple[Asked, bool]]:
    """The rows of the fold's questions asked of their own article alone, and of it without
    the paragraphs that hold their answers (numbered from ALONE * `offset` and
    ALONE_NEGATIVE * `offset`), each with whether they are answerable."""
    by_id = {d.id: d for d in documents}
    parts = []
    for article in sorted({q.document for _, q in tested}):
        document = by_id[article]
        asked = [(n, q) for n, q in tested if q.document == article]
        own = AnswerEngine([document], ranker=ranker, answerability=always_answers())
        parts.append((rows(own, asked, True).numbered(ALONE * offset), True))
        by_removed: dict[tuple[int, ...], list] = {}
        for n, q in asked:
            holding = tuple(p.number for p in document.paragraphs
                            if quotes_one_of(p.text, list(q.answers)))
            by_removed.setdefault(holding, []).append((n, q))
        for holding, questions in by_removed.items():
            kept = [p.text for p in document.paragraphs if p.number not in holding]
            if not kept:
                continue
            rest = parse_txt(article, "\n\n".join([document.title, *kept]))
            _, negatives = without_answers([rest], [q for _, q in questions], set())
            numbers = {id(q): n for n, q in questions}
            alone = AnswerEngine([rest], ranker=ranker, answerability=always_answers())
            parts.append((rows(alone, [(numbers[id(q)], q) for q in negatives], False)
                          .numbered(ALONE_NEGATIVE * offset), False))
    return parts


def logistic(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, LogisticRegression]:
    """The quote model's logistic regression on standardised inputs: its mean, scale and fit."""
    mean, scale = x.mean(axis=0), x.std(axis=0)
    scale[scale == 0] = 1.0
    return mean, scale, LogisticRegression(C=C, max_iter=1000).fit((x - mean) / scale, y)


def boosted(x: np.ndarray, y: np.ndarray) -> Trees:
    """The question model: gradient-boosted trees, as Trees (checked to give sklearn's own
    chances)."""
    model = HistGradientBoostingClassifier(**TREES).fit(x, y)
    trees = []
    for (predictor,) in model._predictors:  # sklearn's trees: no public way to read them
        nodes = predictor.nodes
        leaf = nodes["is_leaf"].astype(bool)
        trees.append({"feature": np.where(leaf, -1, nodes["feature_idx"]).tolist(),
                      "threshold": np.where(leaf, 0.0, nodes["num_threshold"]).tolist(),
                      "left": np.where(leaf, 0, nodes["left"]).tolist(),
                      "right": np.where(leaf, 0, nodes["right"]).tolist(),
                      "value": np.where(leaf, nodes["value"], 0.0).tolist()})
    walked = Trees.of(QUESTION_MODEL_INPUTS, float(model._baseline_prediction.ravel()[0]),
                      MAX_DEPTH, trees)
    sample = x[:: max(len(x) // 500, 1)]
    assert np.allclose([walked.chance(r) for r in sample], model.predict_proba(sample)[:, 1])
    return walked


def answer_threshold(chance: np.ndarray, any_right: np.ndarray) -> float:
    """answer_at from the answerable questions' out-of-fold chances: the one that answers
    TARGET_COVERAGE of them, or a lower one while the answers stay right PRECISION of the
    time."""
    return min(float(np.quantile(chance, 1 - TARGET_COVERAGE)), precise_at(chance, any_right))


def near_threshold(chance: np.ndarray) -> float:
    """near_at from the out-of-fold chances of the questions whose quotes hold the answer: the
    one that withholds the nearest passages from NEAR_MISS of them."""
    return float(np.quantile(chance, NEAR_MISS))


def precise_at(chance: np.ndarray, any_right: np.ndarray) -> float:
    """The lowest chance from which the answers given are right PRECISION of the time (1
    when none is)."""
    order = np.argsort(-chance)
    precision = np.cumsum(any_right[order]) / np.arange(1, len(order) + 1)
    enough = np.flatnonzero(precision >= PRECISION)
    return float(chance[order][enough[-1]]) if len(enough) else 1.0


def risk_coverage(chance, right, answerable, any_right) -> None:
    """Coverage, right first quotes and precision (one of three right) of the answerable
    questions answered, and refusals of unanswerable ones, at several thresholds."""
    print(f"{'threshold':>9} {'coverage':>9} {'first right':>11} {'one of 3':>9} "
          f"{'refused':>8}")
    for t in (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8):
        given = chance >= t
        a = given & answerable
        print(f"{t:9.1f} {a.sum() / answerable.sum():9.1%} "
              f"{right[a].sum() / max(a.sum(), 1):11.1%} "
              f"{any_right[a].sum() / max(a.sum(), 1):9.1%} "
              f"{(~given[~answerable]).mean():8.1%}")


def fold_parts(documents, questions, tested, ranker, engine, articles, test
               ) -> list[tuple[Asked, bool]]:
    """The rows of the fold's questions (tested: (number, question) pairs, French or English)
    in the four scenarios, each with whether they are answerable."""
    n_questions = len(questions)
    parts = []
    full = AnswerEngine(documents, engine.index, ranker=ranker, answerability=always_answers())
    for english, asked in enumerate(tested):
        base = ENGLISH * english * n_questions
        parts.append((rows(full, asked, True).numbered(base + ARCHIVE * n_questions), True))
        kept, negatives = without_answers(documents, [q for _, q in asked],
                                          set(articles[test]))
        numbers = {id(q): n for n, q in asked}
        reduced = AnswerEngine(kept, ranker=ranker, answerability=always_answers())
        parts.append((rows(reduced, [(numbers[id(q)], q) for q in negatives], False)
                      .numbered(base + ARCHIVE_NEGATIVE * n_questions), False))
        parts.extend((a.numbered(base), answerable)
                     for a, answerable in single_article(documents, asked, ranker, n_questions))
    return parts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("squad", type=Path, help="SQuAD-format JSON (PIAF v1.0)")
    parser.add_argument("--english", type=Path, default=ENGLISH_PATH,
                        help="JSON lines: English questions for training articles")
    parser.add_argument("--out", type=Path, default=ANSWERABILITY_PATH)
    parser.add_argument("--retrain-quotes", action="store_true",
                        help="learn the quote model and its thresholds on a few articles again "
                             "(else kept from the shipped model)")
    args = parser.parse_args()
    began = time.perf_counter()
    documents, all_questions = load_squad(args.squad)
    english, originals = load_translated(args.english, all_questions)
    english_of = {id(o): e for e, o in zip(english, originals)}
    documents = [d for d in documents if not held_out(d.id)]
    questions = [q for q in all_questions if not held_out(q.document)]
    assert not any(held_out(q.document) for q in english), "English questions of held-out text"
    engine = AnswerEngine(documents, ranker=hand_tuned(FEATURES), answerability=always_answers())
    features, labels, owner = windows(engine, questions)
    articles = np.array([q.document for q in questions])
    parts: list[tuple[Asked, bool]] = []
    for fold, (train, test) in enumerate(GroupKFold(FOLDS).split(questions, groups=articles)):
        ranker = fit(*(a[np.isin(owner, train)] for a in (features, labels, owner)))
        tested = [(n, questions[n]) for n in test]
        in_english = [(n, english_of[id(q)]) for n, q in tested if id(q) in english_of]
        fold_rows = fold_parts(documents, questions, (tested, in_english), ranker, engine,
                               articles, test)
        parts.extend(fold_rows)
        print(f"fold {fold + 1}: {len(tested)} questions ({len(in_english)} in English too), "
              f"{sum(len(a.qowner) + len(a.unquoted) for a, _ in fold_rows)} asked in all",
              flush=True)
    asked = Asked(*(np.concatenate(column) for column in zip(*(a for a, _ in parts))))
    # Per question, those with quotes first: its number, answerable or not, its article.
    number = np.concatenate([asked.qowner, asked.unquoted])
    answerable = np.concatenate([np.full(len(a.qowner), yes) for a, yes in parts]
                                + [np.full(len(a.unquoted), yes) for a, yes in parts])
    quoted = np.arange(len(number)) < len(asked.qowner)
    any_right = np.concatenate([asked.qy, np.zeros(len(asked.unquoted), bool)])
    firsts = {q: n for n, q in enumerate(asked.owner) if asked.place[n] == 0}
    right = np.array([quoted[n] and asked.y[firsts[q]] for n, q in enumerate(number)])
    # One fold per article, the same for both models: the question model reads the quote
    # model's out-of-fold chance (stacked), never one learned on its own article.
    fold_of = {articles[n]: fold for fold, (_, test) in enumerate(
        GroupKFold(FOLDS).split(questions, groups=articles)) for n in test}
    quote_fold = np.array([fold_of[questions[q % len(questions)].document]
                           for q in asked.owner])
    question_fold = np.array([fold_of[questions[q % len(questions)].document] for q in number])
    confidence = np.zeros(len(asked.y))
    for k in range(FOLDS):
        mean, scale, quote_model = logistic(asked.x[quote_fold != k], asked.y[quote_fold != k])
        tested = quote_fold == k
        confidence[tested] = quote_model.predict_proba((asked.x[tested] - mean) / scale)[:, 1]
    stacked = QUESTION_MODEL_INPUTS.index("quotes_chance")
    missed = np.ones(len(asked.qowner))
    at = {q: n for n, q in enumerate(asked.qowner)}
    for q, c in zip(asked.owner, confidence):
        missed[at[q]] *= 1 - c
    asked.qx[:, stacked] = 1 - missed
    scenario = number // len(questions)
    is_english = scenario >= ENGLISH
    archive = scenario % ENGLISH < ALONE  # asked of all the articles (or all but)
    # The chances: on one article the quotes' own; on the archive the trees', learned on the
    # archive's questions and cross-validated by article.
    own = np.concatenate([asked.qx[:, stacked], np.zeros(len(asked.unquoted))])
    chance = own.copy()
    for k in range(FOLDS):
        train = (question_fold != k) & quoted & archive
        test = (question_fold == k) & quoted & archive
        trees = boosted(asked.qx[train[quoted]], asked.qy[train[quoted]])
        chance[test] = [trees.chance(r) for r in asked.qx[test[quoted]]]
    sets = (("archive", archive & ~is_english), ("one article", ~archive & ~is_english),
            ("archive, English", archive & is_english),
            ("one article, English", ~archive & is_english))
    for name, where in sets:
        a = answerable & where
        print(f"\n{FOLDS}-fold cross-validation by article, {name}: {a.sum()} answerable, "
              f"{(where & ~answerable).sum()} unanswerable questions; first quote right "
              f"{right[a].mean():.1%}, one of three {any_right[a].mean():.1%}")
        risk_coverage(chance[where], right[where], answerable[where], any_right[where])
    # The thresholds are the French archive's, where chance matches are many: answer_at of the
    # trees' chance, and (with --retrain-quotes) answer_at on a few articles and near_at of the
    # quotes' own chance (what shows the nearest passages, on an archive as on one article).
    french = answerable & archive & ~is_english
    many = answer_threshold(chance[french], any_right[french])
    if args.retrain_quotes:
        mean, scale, fitted = logistic(asked.x, asked.y)
        quotes = Answerability(INPUTS, mean, scale, fitted.coef_[0], float(fitted.intercept_[0]),
                               always_answers().question, (0.0, 0.0), 0.0)
        few = answer_threshold(own[french], any_right[french])
        near_at = min(near_threshold(own[french & any_right]), few)
    else:
        quotes = Answerability.from_json(ANSWERABILITY_PATH.read_text(encoding="utf-8"),
                                         FEATURES)
        few, near_at = quotes.answer_at[0], quotes.near_at
    for name, ranked in (("the quotes' own chance (before the trees)", own), ("the trees", chance)):
        given = ranked >= answer_threshold(ranked[french], any_right[french])
        precise = ranked >= precise_at(ranked[french], any_right[french])
        print(f"\n{name} on the French archive: coverage {given[french].mean():.1%}, precision "
              f"{any_right[given & french].mean():.1%}, unanswerable refused "
              f"{(~given[archive & ~is_english & ~answerable]).mean():.1%}; answers "
              f"{PRECISION:.0%} right up to coverage {precise[french].mean():.1%}")
    print(f"\nanswer_at {few:.3f} on a few articles, {many:.3f} on an archive; near_at "
          f"{near_at:.3f}")
    for name, where in sets:
        given = chance >= (many if name.startswith("archive") else few)
        a, u = answerable & where, ~answerable & where
        print(f"{name}: coverage {given[a].mean():.1%}, precision "
              f"{any_right[given & a].mean():.1%} (first quote {right[given & a].mean():.1%}), "
              f"unanswerable refused {(~given[u]).mean():.1%}; nothing near for "
              f"{(own < near_at)[u].mean():.1%} of unanswerable, "
              f"{(own < near_at)[a].mean():.1%} of answerable")
    on_archive = archive[quoted]
    model = Answerability(quotes.inputs, quotes.mean, quotes.scale, quotes.weights, quotes.bias,
                          boosted(asked.qx[on_archive], asked.qy[on_archive]),
                          (round(few, 4), round(many, 4)), round(near_at, 4))
    args.out.write_text(model.to_json() + "\n", encoding="utf-8")
    print(f"model → {args.out}; {time.perf_counter() - began:.0f} s")
    print("the quote model's weights:")
    for name, weight in sorted(zip(model.inputs, model.weights), key=lambda w: -abs(w[1])):
        print(f"  {name:20} {weight:+.3f}")


if __name__ == "__main__":
    main()
