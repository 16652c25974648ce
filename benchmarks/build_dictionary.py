"""Build retrieval/data/eng-fra.tsv, the English → French word list English questions go through.

Source: FreeDict's English-French dictionary (GPL-2+), the Debian package dict-freedict-eng-fra
(`apt-get install dict-freedict-eng-fra`), in dictd format. One line per English headword:
the word, a tab, its French translations separated by "|", in the dictionary's order.

    python benchmarks/build_dictionary.py
"""

from __future__ import annotations

import argparse
import gzip
import re
from pathlib import Path

from retrieval.translation import DICTIONARY_PATH

SOURCE = Path("/usr/share/dictd/freedict-eng-fra.dict.dz")
# A headword line: the word and its pronunciation between slashes ("attack /ətæk/").
_HEADWORD = re.compile(r"^(?P<word>[^/]+?) /[^/]*/$")
# A sense number before a list of translations ("2. accès, assaut, attaque").
_SENSE = re.compile(r"^\d+\.\s*")


def parse(lines: list[str]) -> dict[str, list[str]]:
    """Headword → translations; the file's preamble (before the first headword) is skipped."""
    entries: dict[str, list[str]] = {}
    word = None
    for line in lines:
        if m := _HEADWORD.match(line.strip()):
            word = m.group("word").strip()
            entries.setdefault(word, [])
        elif word and line.strip():
            for translation in _SENSE.sub("", line.strip()).split(","):
                translation = translation.strip()
                if translation and translation not in entries[word]:
                    entries[word].append(translation)
    return {w: t for w, t in entries.items() if t and "\t" not in w}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--source", type=Path, default=SOURCE)
    parser.add_argument("--out", type=Path, default=DICTIONARY_PATH)
    args = parser.parse_args()
    with gzip.open(args.source, "rt", encoding="utf-8") as f:
        entries = parse(f.read().splitlines())
    header = ("# FreeDict English-French dictionary 0.1.6, GPL-2.0-or-later, "
              "freedict.org (Debian package dict-freedict-eng-fra)\n")
    args.out.write_text(header + "".join(f"{w}\t{'|'.join(t)}\n" for w, t in sorted(entries.items())),
                        encoding="utf-8")
    print(f"{len(entries)} headwords → {args.out} ({args.out.stat().st_size / 1e3:.0f} kB)")


if __name__ == "__main__":
    main()
