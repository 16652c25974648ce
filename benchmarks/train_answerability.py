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
model reads from its `english` input. A logistic regression over each
quote's window features, ranker score, margin and place gives its confidence; it is itself
cross-validated by article, and its thresholds chosen on those out-of-fold confidences (the
chance that one of the quotes holds the answer, `answered_chance`):
`answer_at` the highest that still answers TARGET_COVERAGE of the answerable questions,
`near_at` the one that withholds the nearest passages from only NEAR_MISS of the questions
whose quotes hold the answer. Stored
as plain JSON (`retrieval/data/answerability.json`), predicted with numpy.

    pip install -e '.[train]'
    nice python benchmarks/train_answerability.py ../shared/eval/piaf-v1.0.json
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold

from benchmarks.train_ranker import FOLDS, fit, windows
from retrieval import AnswerEngine, parse_txt
from retrieval.answer.answerability import (ANSWER_QUOTES, ANSWERABILITY_PATH, QUOTE_INPUTS,
                                            Answerability, always_answers, answered_chance,
                                            quote_inputs)
from retrieval.answer.features import FEATURES
from retrieval.answer.ranker import hand_tuned
from retrieval.evaluation import (held_out, load_squad, load_translated, quotes_one_of,
                                  without_answers)

# The model's inputs: every window feature, and the quote's score, margin and place (a
# chosen dozen of the features did as well, not better).
INPUTS = (*FEATURES, *QUOTE_INPUTS)
# The share of answerable questions it must still answer.
TARGET_COVERAGE = 0.8
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


def rows(engine: AnswerEngine, questions, answerable: bool):
    """Per quote: the model's inputs, right or not, its place, the question's number."""
    xs, ys, places, owners = [], [], [], []
    for n, q in questions:
        chosen = engine.quotes(q.question, ANSWER_QUOTES, FEATURES)
        if not chosen.excerpts:
            owners.append(n)  # no quote at all: nothing near
            xs.append(np.full((1, len(INPUTS)), np.nan))
            ys.append(False)
            places.append(-1)
            continue
        x = quote_inputs(INPUTS, chosen.features, FEATURES, chosen.scores, chosen.margins,
                         engine.passage_count(), chosen.english)
        xs.append(x)
        for place, e in enumerate(chosen.excerpts):
            ys.append(answerable and e.source.document == q.document
                      and quotes_one_of(e.text, list(q.answers)))
            places.append(place)
            owners.append(n)
    return np.vstack(xs), np.array(ys), np.array(places), np.array(owners)


def single_article(documents, tested, ranker, offset: int) -> list[tuple]:
    """The rows of the fold's questions asked of their own article alone, and of it without
    the paragraphs that hold their answers (numbered from ALONE * `offset` and
    ALONE_NEGATIVE * `offset`)."""
    by_id = {d.id: d for d in documents}
    parts = []
    for article in sorted({q.document for _, q in tested}):
        document = by_id[article]
        asked = [(n, q) for n, q in tested if q.document == article]
        own = AnswerEngine([document], ranker=ranker, answerability=always_answers())
        x, y, p, o = rows(own, asked, True)
        parts.append((x, y, p, o + ALONE * offset, np.ones(len(y), bool)))
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
            x, y, p, o = rows(alone, [(numbers[id(q)], q) for q in negatives], False)
            parts.append((x, y, p, o + ALONE_NEGATIVE * offset, np.zeros(len(y), bool)))
    return parts


def logistic(x: np.ndarray, y: np.ndarray) -> Answerability:
    """The logistic regression on standardised inputs (thresholds set later)."""
    mean, scale = x.mean(axis=0), x.std(axis=0)
    scale[scale == 0] = 1.0
    model = LogisticRegression(C=C, max_iter=1000).fit((x - mean) / scale, y)
    return Answerability(INPUTS, mean, scale, model.coef_[0], float(model.intercept_[0]),
                         0.0, 0.0)


def thresholds(chance: np.ndarray, any_right: np.ndarray, answerable: np.ndarray
               ) -> tuple[float, float]:
    """answer_at and near_at from the questions' out-of-fold answered_chance."""
    answer_at = float(np.quantile(chance[answerable], 1 - TARGET_COVERAGE))
    near_at = float(np.quantile(chance[answerable & any_right], NEAR_MISS))
    return answer_at, min(near_at, answer_at)


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


def fold_parts(documents, questions, tested, ranker, engine, articles, test) -> list[tuple]:
    """The rows of the fold's questions (tested: (number, question) pairs, French or English)
    in the four scenarios: (x, y, place, numbered question, answerable)."""
    n_questions = len(questions)
    parts = []
    full = AnswerEngine(documents, engine.index, ranker=ranker, answerability=always_answers())
    for english, asked in enumerate(tested):
        base = ENGLISH * english * n_questions
        x, y, p, o = rows(full, asked, True)
        parts.append((x, y, p, o + base + ARCHIVE * n_questions, np.ones(len(y), bool)))
        kept, negatives = without_answers(documents, [q for _, q in asked],
                                          set(articles[test]))
        numbers = {id(q): n for n, q in asked}
        reduced = AnswerEngine(kept, ranker=ranker, answerability=always_answers())
        x, y, p, o = rows(reduced, [(numbers[id(q)], q) for q in negatives], False)
        parts.append((x, y, p, o + base + ARCHIVE_NEGATIVE * n_questions,
                      np.zeros(len(y), bool)))
        for x, y, p, o, a in single_article(documents, asked, ranker, n_questions):
            parts.append((x, y, p, o + base, a))
    return parts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("squad", type=Path, help="SQuAD-format JSON (PIAF v1.0)")
    parser.add_argument("--english", type=Path, default=ENGLISH_PATH,
                        help="JSON lines: English questions for training articles")
    parser.add_argument("--out", type=Path, default=ANSWERABILITY_PATH)
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
    parts = []  # (x, y, place, question, answerable)
    for fold, (train, test) in enumerate(GroupKFold(FOLDS).split(questions, groups=articles)):
        ranker = fit(*(a[np.isin(owner, train)] for a in (features, labels, owner)))
        tested = [(n, questions[n]) for n in test]
        in_english = [(n, english_of[id(q)]) for n, q in tested if id(q) in english_of]
        fold_rows = fold_parts(documents, questions, (tested, in_english), ranker, engine,
                               articles, test)
        parts.extend(fold_rows)
        print(f"fold {fold + 1}: {len(tested)} questions ({len(in_english)} in English too), "
              f"{sum(len(set(p[3])) for p in fold_rows)} asked in all", flush=True)
    x, y, place, question, answerable = (np.concatenate(a) for a in zip(*parts))
    group = np.array([questions[q % len(questions)].document for q in question])
    quoted = place >= 0
    confidence = np.zeros(len(y))
    for train, test in GroupKFold(FOLDS).split(x, groups=group):
        train = train[quoted[train]]
        model = logistic(x[train], y[train])
        test = test[quoted[test]]
        confidence[test] = model.confidence(x[test])
    firsts = place <= 0
    right, fanswerable = y[firsts], answerable[firsts]
    any_right = np.array([y[question == q].any() for q in question[firsts]])
    # What the outcome reads: the chance that one of the quotes holds the answer.
    chance = np.array([answered_chance(confidence[question == q]) for q in question[firsts]])
    scenario = question[firsts] // len(questions)
    is_english = scenario >= ENGLISH
    archive = scenario % ENGLISH < ALONE  # asked of all the articles (or all but)
    for name, where in (("archive", archive & ~is_english), ("one article", ~archive & ~is_english),
                        ("archive, English", archive & is_english),
                        ("one article, English", ~archive & is_english)):
        a = fanswerable & where
        print(f"\n{FOLDS}-fold cross-validation by article, {name}: {a.sum()} answerable, "
              f"{(where & ~fanswerable).sum()} unanswerable questions; first quote right "
              f"{right[a].mean():.1%}, one of three {any_right[a].mean():.1%}")
        risk_coverage(chance[where], right[where], fanswerable[where], any_right[where])
    # The thresholds are the French archive's, where chance matches are many.
    french_archive = archive & ~is_english
    answer_at, near_at = thresholds(chance[french_archive], any_right[french_archive],
                                    fanswerable[french_archive])
    final = logistic(x[quoted], y[quoted])
    model = Answerability(INPUTS, final.mean, final.scale, final.weights, final.bias,
                          round(answer_at, 4), round(near_at, 4))
    print(f"\nanswer_at {answer_at:.3f}, near_at {near_at:.3f}")
    for name, where in (("archive", archive & ~is_english), ("one article", ~archive & ~is_english),
                        ("archive, English", archive & is_english),
                        ("one article, English", ~archive & is_english)):
        given, a, u = chance >= answer_at, fanswerable & where, ~fanswerable & where
        print(f"{name}: coverage {given[a].mean():.1%}, precision "
              f"{any_right[given & a].mean():.1%} (first quote {right[given & a].mean():.1%}), "
              f"unanswerable refused {(~given[u]).mean():.1%}; nothing near for "
              f"{(chance < near_at)[u].mean():.1%} of unanswerable, "
              f"{(chance < near_at)[a].mean():.1%} of answerable")
    args.out.write_text(model.to_json() + "\n", encoding="utf-8")
    print(f"model → {args.out}; {time.perf_counter() - began:.0f} s")
    for name, weight in sorted(zip(INPUTS, model.weights), key=lambda w: -abs(w[1])):
        print(f"  {name:20} {weight:+.3f}")


if __name__ == "__main__":
    main()
