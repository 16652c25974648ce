"""Train the window ranker on PIAF and measure it by 5-fold cross-validation grouped by article.

Every PIAF article is indexed together, as `python -m bot eval --squad` does. For each question
the engine lists its candidate windows and their features; a window is a positive when it holds
one of the expected answers and comes from the question's article. A pairwise logistic
regression (scikit-learn, seeded: each answering window against each other window of the same
question, as in RankNet) learns to score them, which measured better on PIAF than pointwise
labels or gradient-boosted trees (58.1% at 1) on the same features; it is stored as plain JSON, and the engine predicts
with numpy alone. Cross-validation never trains and tests on the same article: each fold's
model answers the held-out articles' questions through the real engine, measured by the same
code as `bot eval`. The hand-tuned scorer of before is measured beside it, the same way.

    pip install -e '.[train]'
    nice python benchmarks/train_ranker.py ../shared/eval/piaf-v1.0.json   # about a minute
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold

from benchmarks.evaluation import Report, SquadQuestion, combine, evaluate_squad, load_squad
from benchmarks.evaluation import quotes_one_of
from retrieval import AnswerEngine
from retrieval.excerpts import FEATURES
from retrieval.ranker import RANKER_PATH, WindowRanker

SEED = 0
FOLDS = 5
# Inverse regularisation strength of the logistic regression (scikit-learn's default).
C = 1.0
# Of two windows that both hold the answer, the shorter is the better quote: this much of a
# pair of an answering and a non-answering window (0.3 keeps the median excerpt under 250
# characters at no cost at rank 1 on PIAF).
SHORTER_WEIGHT = 0.3
# The scorer the ranker replaces, its hand-tuned weights written over the same features.
HAND_TUNED = {"share": 1.0, "passage_score": 1.0, "kind_closeness": 0.25, "after": 0.1,
              "overlong": -0.3}


def hand_tuned() -> WindowRanker:
    n = len(FEATURES)
    weights = np.array([HAND_TUNED.get(f, 0.0) for f in FEATURES])
    return WindowRanker(FEATURES, np.zeros(n), np.ones(n), weights, 0.0)


def windows(engine: AnswerEngine, questions: list[SquadQuestion]
            ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Features, labels (holds the answer), question number and length of every candidate
    window."""
    xs, ys, qs, lengths = [], [], [], []
    for n, q in enumerate(questions):
        found, features = engine.candidates(q.question)
        labels = [c.hit.passage.document.id == q.document
                  and quotes_one_of(c.hit.passage.paragraph.text[c.start:c.end], list(q.answers))
                  for c in found]
        if any(labels):  # a question none of whose windows answers teaches nothing
            xs.append(features)
            ys.extend(labels)
            qs.extend([n] * len(found))
            lengths.extend(c.end - c.start for c in found)
    return np.vstack(xs), np.array(ys), np.array(qs), np.array(lengths)


def pairs(features: np.ndarray, labels: np.ndarray, owner: np.ndarray, lengths: np.ndarray
          ) -> tuple[np.ndarray, np.ndarray]:
    """For each question, each answering window's features minus each other window's; and
    the shortest answering window's minus each longer answering one's, weighted
    SHORTER_WEIGHT. Returns the differences and their weights."""
    differences, weights = [], []
    for n in np.unique(owner):
        rows = np.flatnonzero(owner == n)
        good, bad = rows[labels[rows]], rows[~labels[rows]]
        differences.append((features[good][:, None, :] - features[bad][None, :, :])
                           .reshape(-1, features.shape[1]))
        weights.append(np.ones(len(good) * len(bad)))
        shortest = good[np.argmin(lengths[good])]
        longer = good[lengths[good] > lengths[shortest]]
        differences.append(features[shortest] - features[longer])
        weights.append(np.full(len(longer), SHORTER_WEIGHT))
    return np.vstack(differences), np.concatenate(weights)


def fit(features: np.ndarray, labels: np.ndarray, owner: np.ndarray, lengths: np.ndarray
        ) -> WindowRanker:
    """A pairwise logistic regression on standardised features, as a WindowRanker: the
    better window of a pair is told by the sign of the difference of their scores."""
    mean, scale = features.mean(axis=0), features.std(axis=0)
    scale[scale == 0] = 1.0
    better, weights = pairs((features - mean) / scale, labels, owner, lengths)
    model = LogisticRegression(C=C, max_iter=3000, fit_intercept=False, random_state=SEED)
    model.fit(np.vstack([better, -better]), np.repeat([1, 0], len(better)),
              sample_weight=np.concatenate([weights, weights]))
    return WindowRanker(FEATURES, mean, scale, model.coef_[0], 0.0)


def cross_validate(documents, engine: AnswerEngine, questions: list[SquadQuestion],
                   data: tuple[np.ndarray, ...]) -> tuple[Report, Report]:
    """The learned ranker and the hand-tuned scorer, each answering held-out articles only."""
    features, labels, owner, lengths = data
    articles = np.array([q.document for q in questions])
    learned, baseline = [], []
    for fold, (train, test) in enumerate(GroupKFold(FOLDS).split(questions, groups=articles)):
        held_out = set(test.tolist())
        rows = ~np.isin(owner, list(held_out))
        ranker = fit(features[rows], labels[rows], owner[rows], lengths[rows])
        tested = [questions[i] for i in sorted(held_out)]
        for reports, model in ((learned, ranker), (baseline, hand_tuned())):
            reports.append(evaluate_squad(AnswerEngine(documents, engine.index, ranker=model), tested))
        print(f"fold {fold + 1}: {len(tested)} questions, {len(set(articles[test]))} articles, "
              f"@1 {learned[-1].at_1:.1%} (hand-tuned {baseline[-1].at_1:.1%})", flush=True)
    return combine(learned), combine(baseline)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("squad", type=Path, help="SQuAD-format JSON (PIAF v1.0)")
    parser.add_argument("--out", type=Path, default=RANKER_PATH)
    args = parser.parse_args()
    began = time.perf_counter()
    documents, questions = load_squad(args.squad)
    engine = AnswerEngine(documents, ranker=hand_tuned())
    data = windows(engine, questions)
    print(f"{len(questions)} questions, {len(data[0])} candidate windows, "
          f"{data[1].mean():.1%} positive", flush=True)
    learned, baseline = cross_validate(documents, engine, questions, data)
    for name, report in (("hand-tuned scorer", baseline), ("learned ranker", learned)):
        print(f"\n{FOLDS}-fold cross-validation by article, {name}:")
        print("\n".join(report.lines()))
    ranker = fit(*data)
    args.out.write_text(ranker.to_json() + "\n", encoding="utf-8")
    print(f"\nweights → {args.out}; {time.perf_counter() - began:.0f} s")
    for name, weight in sorted(zip(FEATURES, ranker.weights), key=lambda x: -abs(x[1])):
        print(f"  {name:20} {weight:+.3f}")


if __name__ == "__main__":
    main()
