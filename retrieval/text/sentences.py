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
# The word before a full stop (initials such as "J.-C" included).
_LAST_WORD = re.compile(r"[\w.-]+\Z")
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
        lookback = text[max(start, m.start() - LAST_WORD_LOOKBACK):m.start()]
        before = _LAST_WORD.search(lookback)
        word = before.group().casefold().rstrip(".") if before and m.group()[0] == "." else ""
        initial = (before is not None and len(word) == 1 and word.isalpha()
                   and not _NUMBER_BEFORE.search(lookback, 0, before.start()))
        if word and (initial or word in _ABBREVIATIONS):
            continue
        spans.append((start, m.end()))
        start = m.end()
        while start < len(text) and text[start].isspace():
            start += 1
    if start < len(text) and text[start:].strip():
        spans.append((start, len(text.rstrip())))
    return spans
