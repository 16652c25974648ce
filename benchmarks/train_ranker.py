"""Train the window ranker on PIAF and measure it by 5-fold cross-validation grouped by article.

Every PIAF article but the held-out ones (`evaluation.held_out`, never read here: the README's
figures on unseen text are theirs) is indexed together, as `python -m bot eval --squad` does.
For each question the engine lists its candidate windows and their features; a window is a
positive when it holds one of the expected answers and comes from the question's article. A linear scorer is learned
listwise: per question, a softmax over its windows, the loss being minus the log of the
probability given to the answering ones (as in ListNet; L-BFGS from scipy, deterministic). On
PIAF this puts the answer first more often than a pairwise logistic regression (+1 point at 1),
pointwise gradient-boosted trees or degree-2 feature products, measured the same way. It is
stored as plain JSON, and the engine predicts with numpy alone. Cross-validation never trains
and tests on the same article: each fold's model answers the held-out articles' questions
through the real engine, measured by the same code as `bot eval`. The hand-tuned scorer of
before is measured beside it, the same way.

    pip install -e '.[train]'
    nice python benchmarks/train_ranker.py ../shared/eval/piaf-v1.0.json   # about a minute
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
from scipy.optimize import minimize
from sklearn.model_selection import GroupKFold

from retrieval.evaluation import Report, SquadQuestion, combine, evaluate_squad, load_squad
from retrieval.evaluation import held_out, quotes_one_of
from retrieval import AnswerEngine, Document
from retrieval.answer.answerability import always_answers
from retrieval.answer.features import FEATURES, RANKED_FEATURES
from retrieval.answer.ranker import RANKER_PATH, WindowRanker, hand_tuned

FOLDS = 5
# The weights' L2 penalty per question: 0.01 did best of 0.0001 to 0.03 in cross-validation.
L2 = 0.01
def training_set(squad: Path) -> tuple[list[Document], list[SquadQuestion], AnswerEngine]:
    """PIAF's articles but the held-out ones, their questions, and an engine over them that
    scores windows by the hand-tuned ranker and always answers: what the ranker learns from."""
    documents, questions = load_squad(squad)
    documents = [d for d in documents if not held_out(d.id)]
    questions = [q for q in questions if not held_out(q.document)]
    engine = AnswerEngine(documents, ranker=hand_tuned(RANKED_FEATURES),
                          answerability=always_answers())
    return documents, questions, engine


def windows(engine: AnswerEngine, questions: list[SquadQuestion]
            ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Features the ranker is trained on (RANKED_FEATURES), labels (holds the answer) and
    question number of every candidate window."""
    columns = [FEATURES.index(f) for f in RANKED_FEATURES]
    xs, ys, qs = [], [], []
    for n, q in enumerate(questions):
        found, features = engine.candidates(q.question)
        labels = [c.hit.passage.document.id == q.document
                  and quotes_one_of(c.hit.passage.paragraph.text[c.start:c.end], list(q.answers))
                  for c in found]
        if any(labels):  # a question none of whose windows answers teaches nothing
            xs.append(features[:, columns])
            ys.extend(labels)
            qs.extend([n] * len(found))
    return np.vstack(xs), np.array(ys), np.array(qs)


def fit(features: np.ndarray, labels: np.ndarray, owner: np.ndarray) -> WindowRanker:
    """A linear scorer on standardised features, learned listwise: for each question (owner),
    the softmax of its windows' scores should put its weight on the answering ones."""
    mean, scale = features.mean(axis=0), features.std(axis=0)
    scale[scale == 0] = 1.0
    x = (features - mean) / scale
    _, question = np.unique(owner, return_inverse=True)
    count, answering = question.max() + 1, labels.astype(np.float64)

    def loss(weights: np.ndarray) -> tuple[float, np.ndarray]:
        scores = x @ weights
        top = np.full(count, -np.inf)
        np.maximum.at(top, question, scores)
        e = np.exp(scores - top[question])
        total, good = np.bincount(question, e, count), np.bincount(question, e * answering, count)
        value = -np.log(good / total).sum() / count + L2 * weights @ weights
        gradient = x.T @ (e / total[question] - e * answering / good[question]) / count
        return value, gradient + 2 * L2 * weights

    weights = minimize(loss, np.zeros(x.shape[1]), jac=True, method="L-BFGS-B").x
    return WindowRanker(RANKED_FEATURES, mean, scale, weights, 0.0)


def cross_validate(documents, engine: AnswerEngine, questions: list[SquadQuestion],
                   data: tuple[np.ndarray, ...]) -> tuple[Report, Report]:
    """The learned ranker and the hand-tuned scorer, each answering held-out articles only."""
    features, labels, owner = data
    articles = np.array([q.document for q in questions])
    learned, baseline = [], []
    for fold, (_train, test) in enumerate(GroupKFold(FOLDS).split(questions, groups=articles)):
        in_fold = set(test.tolist())
        rows = ~np.isin(owner, list(in_fold))
        ranker = fit(features[rows], labels[rows], owner[rows])
        tested = [questions[i] for i in sorted(in_fold)]
        for reports, model in ((learned, ranker), (baseline, hand_tuned(RANKED_FEATURES))):
            engine_of_fold = AnswerEngine(documents, engine.index, ranker=model,
                                          answerability=always_answers())
            reports.append(evaluate_squad(engine_of_fold, tested))
        print(f"fold {fold + 1}: {len(tested)} questions, {len(set(articles[test]))} articles, "
              f"@1 {learned[-1].at_1:.1%} (hand-tuned {baseline[-1].at_1:.1%})", flush=True)
    return combine(learned), combine(baseline)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("squad", type=Path, help="SQuAD-format JSON (PIAF v1.0)")
    parser.add_argument("--out", type=Path, default=RANKER_PATH)
    args = parser.parse_args()
    began = time.perf_counter()
    documents, questions, engine = training_set(args.squad)
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
    for name, weight in sorted(zip(RANKED_FEATURES, ranker.weights), key=lambda x: -abs(x[1])):
        print(f"  {name:20} {weight:+.3f}")


if __name__ == "__main__":
    main()
