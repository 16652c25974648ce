"""Dates: the period a question asks about (« hier », « cette semaine », « en janvier 2020 »,
"last week", "in March 2021"), read relative to today, and an article's day from its `date`.

A small explicit reader rather than a general date parser: a question names a period, not an
instant (« en 2019 » is a whole year), and the few ways French and English news questions name
one are listed here, each with its tests.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from .analysis import CharacterTable, fold_apostrophes, remove_accents

MONTHS = {
    **{name: n for n, name in enumerate(
        "janvier fevrier mars avril mai juin juillet aout septembre octobre novembre decembre"
        .split(), start=1)},
    **{name: n for n, name in enumerate(
        "january february march april may june july august september october november december"
        .split(), start=1)},
}
_MONTH = "(" + "|".join(MONTHS) + ")"
# Years a news archive may hold; other four-digit numbers (5200 soldats) are not years.
_YEAR = r"((?:19|20)\d{2})"


@dataclass(frozen=True, slots=True)
class Period:
    """A span of days, both ends included."""

    first: date
    last: date

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.first <= day <= self.last


def _month(year: int, month: int) -> Period:
    following = date(year + month // 12, month % 12 + 1, 1)
    return Period(date(year, month, 1), following - timedelta(days=1))


def _week(day: date) -> Period:
    monday = day - timedelta(days=day.weekday())
    return Period(monday, monday + timedelta(days=6))


def _year(year: int) -> Period:
    return Period(date(year, 1, 1), date(year, 12, 31))


def _recent_month(month: int, today: date) -> Period:
    """« en mars » without a year: the last March that has begun."""
    return _month(today.year if month <= today.month else today.year - 1, month)


def _day(year: int, month: int, day: int) -> Period | None:
    try:
        return Period(date(year, month, day), date(year, month, day))
    except ValueError:  # 31 février
        return None


def _one_day(day: date) -> Period:
    return Period(day, day)


# Each way of naming a period: the pattern (on the question folded: lower case, no accents,
# one apostrophe), the period it names given the match and today, and whether its words are
# only about time (« hier ») and leave the search, or may be the article's own words too
# (« janvier 2020 »), and stay.
Reader = Callable[[re.Match[str], date], Period | None]
EXPRESSIONS: list[tuple[re.Pattern[str], Reader, bool]] = [
    (re.compile(rf"\b(?:le |on )?(\d{{1,2}})(?:er)? {_MONTH},? {_YEAR}\b"),
     lambda m, t: _day(int(m[3]), MONTHS[m[2]], int(m[1])), False),
    (re.compile(rf"\b(?:on )?{_MONTH} (\d{{1,2}})(?:st|nd|rd|th)?,? {_YEAR}\b"),
     lambda m, t: _day(int(m[3]), MONTHS[m[1]], int(m[2])), False),
    (re.compile(rf"\b(?:en |in |de |of )?{_MONTH},? {_YEAR}\b"),
     lambda m, t: _month(int(m[2]), MONTHS[m[1]]), False),
    (re.compile(rf"\b(?:en|in) {_MONTH}\b"), lambda m, t: _recent_month(MONTHS[m[1]], t), False),
    (re.compile(rf"\b(?:en|in|durant|pendant|during) (?:l'annee )?{_YEAR}\b"),
     lambda m, t: _year(int(m[1])), False),
    (re.compile(r"\b(?:aujourd'hui|today|ce matin|ce soir|this morning|tonight)\b"),
     lambda m, t: _one_day(t), True),
    (re.compile(r"\b(?:avant-hier|the day before yesterday)\b"),
     lambda m, t: _one_day(t - timedelta(days=2)), True),
    (re.compile(r"\b(?:hier|yesterday)\b"), lambda m, t: _one_day(t - timedelta(days=1)), True),
    (re.compile(r"\b(?:cette semaine|this week)\b"), lambda m, t: _week(t), True),
    (re.compile(r"\b(?:(?:la )?semaine (?:derniere|passee)|last week)\b"),
     lambda m, t: _week(t - timedelta(days=7)), True),
    (re.compile(r"\b(?:ce mois-ci|ce mois|this month)\b"),
     lambda m, t: _month(t.year, t.month), True),
    (re.compile(r"\b(?:(?:le )?mois (?:dernier|passe)|last month)\b"),
     lambda m, t: _month(*((t.year, t.month - 1) if t.month > 1 else (t.year - 1, 12))), True),
    (re.compile(r"\b(?:cette annee|this year)\b"), lambda m, t: _year(t.year), True),
    (re.compile(r"\b(?:l'annee (?:derniere|passee)|l'an (?:dernier|passe)|last year)\b"),
     lambda m, t: _year(t.year - 1), True),
]


def _folded_character(character: str) -> str:
    """The character in lower case without its accent, one character for one."""
    return (remove_accents(character.lower()) or character)[:1]


_FOLD_TABLE = CharacterTable(_folded_character)


def _folded(text: str) -> str:
    """Lower case, accents and apostrophes folded, one character for one (offsets stay)."""
    return fold_apostrophes(text).translate(_FOLD_TABLE)


def asked_period(question: str, today: date) -> tuple[Period | None, str]:
    """The period the question asks about, if it names one, and the question to search: without
    words that are only about time (« hier », "last week"), which articles do not hold."""
    folded = _folded(question)
    for pattern, read, time_only in EXPRESSIONS:
        if (m := pattern.search(folded)) and (period := read(m, today)) is not None:
            if time_only:
                question = f"{question[:m.start()]} {question[m.end():]}"
            return period, " ".join(question.split())
    return None, question


def without_period(question: str, today: date) -> str:
    """The question without the words that name its period, whether or not articles may hold
    them (« en 2019 », "in January 2020", « hier »): what it asks beside its date."""
    folded = _folded(question)
    for pattern, read, _ in EXPRESSIONS:
        if (m := pattern.search(folded)) and read(m, today) is not None:
            return " ".join(f"{question[:m.start()]} {question[m.end():]}".split())
    return question


def article_day(value: str | None) -> date | None:
    """An article's day from its `date` (2024-03-12, with or without a time), None if it has
    none or it is not such a date."""
    try:
        return date.fromisoformat(value.strip()[:10]) if value else None
    except ValueError:
        return None
