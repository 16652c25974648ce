"""Deterministic French-like corpora and questions for the retrieval benchmark.

Words are made of French syllables (with accents and elisions), content words follow a Zipf
law over a ~50k-word vocabulary and are mixed with French stop words as in real prose; a
passage is ~60 words, a document ~20 passages. The same seed always gives the same files, so
runs on different machines measure the same work.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

VOCABULARY = 50_000
WORDS_PER_PASSAGE = 60
PASSAGES_PER_DOCUMENT = 20
QUESTIONS = 200
ZIPF_EXPONENT = 1.0
STOP_WORD_SHARE = 0.4
GENERATOR_VERSION = "2"

_ONSETS = "b c ch d f g j l m n p qu r s t v br cr dr fr gr pr tr pl cl bl fl gl".split() + [""] * 4
_VOWELS = "a e i o u é è ou ai au eau an en on in oi ie eu".split()
_CODAS = "r s l n t x nt st rs".split() + [""] * 27
_SUFFIXES = "tion ment ique eur euse ette age isme ité ée er ir".split() + [""] * 36
_STOP_WORDS = (
    "de la le et les des en un à une du que dans qui pour pas par sur au plus ne il avec se ce "
    "son sa a est sont ont été leur mais elle ses cette aux comme ou lui nous"
).split()
_QUESTION_LEADS = ["Quand", "Combien de", "Qui", "Pourquoi", "Comment", "Où", "Quel est",
                   "Que dit l'article sur"]


def vocabulary(rng: np.random.Generator, size: int = VOCABULARY) -> list[str]:
    """Distinct French-looking words, in the order of their Zipf ranks."""
    words: dict[str, None] = {}
    while len(words) < size:
        syllables = int(rng.choice([1, 2, 3], p=[0.3, 0.45, 0.25]))
        word = "".join(
            _ONSETS[rng.integers(len(_ONSETS))] + _VOWELS[rng.integers(len(_VOWELS))]
            + _CODAS[rng.integers(len(_CODAS))]
            for _ in range(syllables)
        ) + _SUFFIXES[rng.integers(len(_SUFFIXES))]
        words.setdefault(word, None)
    return list(words)


def _zipf(size: int) -> np.ndarray:
    weights = 1.0 / np.arange(1, size + 1) ** ZIPF_EXPONENT
    return np.cumsum(weights / weights.sum())


class CorpusWriter:
    """Writes documents of generated passages, and questions about some of them."""

    def __init__(self, seed: int = 0) -> None:
        self.rng = np.random.default_rng(seed)
        self.words = np.array(vocabulary(self.rng), dtype=object)
        self.content_cdf = _zipf(len(self.words))
        self.stop_cdf = _zipf(len(_STOP_WORDS))

    def _draw(self, cdf: np.ndarray, n: int) -> np.ndarray:
        return np.minimum(np.searchsorted(cdf, self.rng.random(n)), len(cdf) - 1)

    def passage(self) -> tuple[str, list[int]]:
        """A passage of sentences, and the Zipf ranks of its content words."""
        n = max(15, int(self.rng.normal(WORDS_PER_PASSAGE, 12)))
        stop = self.rng.random(n) < STOP_WORD_SHARE
        ranks = self._draw(self.content_cdf, n)
        content = list(self.words[ranks])
        stops = [_STOP_WORDS[i] for i in self._draw(self.stop_cdf, n)]
        tokens = [s if is_stop else c for is_stop, s, c in zip(stop, stops, content)]
        for i in np.flatnonzero(self.rng.random(n) < 0.08):
            if tokens[i][0] in "aeiouéè":
                tokens[i] = "l'" + tokens[i]
        sentences, start = [], 0
        while start < n:
            end = min(n, start + int(self.rng.integers(8, 21)))
            sentence = " ".join(tokens[start:end])
            sentences.append(sentence[0].upper() + sentence[1:] + ".")
            start = end
        return " ".join(sentences), [int(r) for is_stop, r in zip(stop, ranks) if not is_stop]

    def question(self, ranks: list[int]) -> str:
        """A question that takes 2 to 4 of the rarer half of a passage's content words, as
        people ask about what a passage is about rather than its commonest words."""
        rarer = sorted(set(ranks), reverse=True)[: max(2, len(set(ranks)) // 2)]
        picked = self.rng.choice(len(rarer), size=min(len(rarer), int(self.rng.integers(2, 5))),
                                 replace=False)
        lead = _QUESTION_LEADS[self.rng.integers(len(_QUESTION_LEADS))]
        return f"{lead} {' '.join(self.words[rarer[i]] for i in sorted(picked))} ?"

    def write(self, folder: Path, passages: int, questions: int = QUESTIONS) -> list[str]:
        """Write the corpus into folder (one .txt file per document); return the questions."""
        folder.mkdir(parents=True, exist_ok=True)
        asked = set(self.rng.choice(passages, size=min(questions, passages), replace=False).tolist())
        asked_questions = []
        number = 0
        for doc in range((passages + PASSAGES_PER_DOCUMENT - 1) // PASSAGES_PER_DOCUMENT):
            paragraphs = []
            for _ in range(min(PASSAGES_PER_DOCUMENT, passages - number)):
                text, content = self.passage()
                if number in asked:
                    asked_questions.append(self.question(content))
                paragraphs.append(text)
                number += 1
            title = " ".join(self.words[self._draw(self.content_cdf, 6)]).capitalize()
            (folder / f"{doc:07d}.txt").write_text("\n\n".join([title, *paragraphs]) + "\n",
                                                   encoding="utf-8")
        return asked_questions


def ensure_corpus(root: Path, passages: int, seed: int = 0, questions: int = QUESTIONS
                  ) -> tuple[Path, list[str]]:
    """The corpus folder of that size under root and its questions, generated once. Asking
    for another number of questions draws other passages, hence another corpus, in a folder
    of its own (the default's keeps its old name, so that existing corpora stay valid)."""
    name = f"corpus-{passages}" + ("" if questions == QUESTIONS else f"-{questions}q")
    folder = root / name
    stamp = root / f"{name}.json"
    settings = {"version": GENERATOR_VERSION, "seed": seed, "passages": passages}
    if questions != QUESTIONS:
        settings["questions"] = questions
    if stamp.exists():
        saved = json.loads(stamp.read_text(encoding="utf-8"))
        if saved["settings"] == settings:
            return folder, saved["questions"]
    for old in folder.glob("*.txt"):
        old.unlink()
    asked = CorpusWriter(seed).write(folder, passages, questions)
    stamp.write_text(json.dumps({"settings": settings, "questions": asked}, ensure_ascii=False),
                     encoding="utf-8")
    return folder, asked
