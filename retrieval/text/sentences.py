"""Sentences: a paragraph cut where its sentences end, by French and English punctuation,
not at initials ("J.-C.") or abbreviations ("M.", "etc.")."""

from __future__ import annotations

import re

# How far before a full stop the word it ends is looked for: longer than any abbreviation or
# initials ("J.-C."), and bounded, so that splitting stays linear in the paragraph's length.
LAST_WORD_LOOKBACK = 40

# A sentence ends with . ! ? or … (then maybe closing quotes or brackets, spaced in the French
# way: « Et après ? »), before white space and something that can start a sentence.
_SENTENCE_END = re.compile(r"[.!?…]+(?:[^\S\n]?[»\"”’)\]])*(?=\s+[«\"“(\[—–-]?\s*[A-ZÀ-ÖØ-Þ0-9])")
# The characters of the word before a full stop (initials such as "J.-C" included).
_WORD_RUN = re.compile(r"[\w.-]+")
# A number just before a one-letter word: "18 h." is an hour and "5 m." a length, not initials.
_NUMBER_BEFORE = re.compile(r"\d\s?\Z")
# Words after which a full stop does not end the sentence.
_ABBREVIATIONS = frozenset(
    "m mm mme mmes mlle dr pr me st ste av apr j.-c jc etc cf p pp vol no art al gén col cap "
    "mr mrs ms prof sr jr vs fig ed éd chap".split()
)


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Spans of the sentences of a paragraph (initials and abbreviations do not end one)."""
    spans, start = [], 0
    for m in _SENTENCE_END.finditer(text):
        # Only a full stop ends an abbreviation or initials.
        if text[m.start()] == ".":
            lookback = text[max(start, m.start() - LAST_WORD_LOOKBACK):m.start()]
            # The word before it: the longest run of word characters, dots and hyphens that
            # ends the lookback, read backwards (one pass, not a search from every character).
            size = run.end() if (run := _WORD_RUN.match(lookback[::-1])) else 0
            word = lookback[len(lookback) - size:].casefold().rstrip(".")
            if word and (word in _ABBREVIATIONS or (  # initials
                    len(word) == 1 and word.isalpha()
                    and not _NUMBER_BEFORE.search(lookback, 0, len(lookback) - size))):
                continue
        spans.append((start, m.end()))
        start = m.end()
        while start < len(text) and text[start].isspace():
            start += 1
    if start < len(text) and text[start:].strip():
        spans.append((start, len(text.rstrip())))
    return spans
