"""Dates: the period a question names (« hier », « cette semaine », « en janvier 2020 »,
"last week", "in March 2021") prefers the articles of that time, and every source shows its
date."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from bot.quotes import source_label
from bot.telegram.html import html_answer
from bot.terminal.render import answer_json, render_terminal
from retrieval import AnswerEngine, parse_md
from retrieval.text.dates import Period, article_day, asked_period

TODAY = date(2026, 12, 4)  # a Friday


@pytest.mark.parametrize("question, first, last, searched", [
    ("Qu'a dit le maire hier ?", date(2026, 12, 3), date(2026, 12, 3), "Qu'a dit le maire ?"),
    ("Qu'a dit le maire aujourd'hui ?", TODAY, TODAY, "Qu'a dit le maire ?"),
    ("Qu'a voté le conseil cette semaine ?", date(2026, 11, 30), date(2026, 12, 6),
     "Qu'a voté le conseil ?"),
    ("Qu'a voté le conseil la semaine dernière ?", date(2026, 11, 23), date(2026, 11, 29),
     "Qu'a voté le conseil ?"),
    ("Qui a gagné en janvier 2020 ?", date(2020, 1, 1), date(2020, 1, 31),
     "Qui a gagné en janvier 2020 ?"),
    ("Qui a gagné en 2019 ?", date(2019, 1, 1), date(2019, 12, 31), "Qui a gagné en 2019 ?"),
    ("Qu'a dit Esper le 6 janvier 2020 ?", date(2020, 1, 6), date(2020, 1, 6),
     "Qu'a dit Esper le 6 janvier 2020 ?"),
    ("Que s'est-il passé en février ?", date(2026, 2, 1), date(2026, 2, 28),
     "Que s'est-il passé en février ?"),
    ("What did the mayor say yesterday?", date(2026, 12, 3), date(2026, 12, 3),
     "What did the mayor say ?"),
    ("What did the council vote last week?", date(2026, 11, 23), date(2026, 11, 29),
     "What did the council vote ?"),
    ("Who won in March 2021?", date(2021, 3, 1), date(2021, 3, 31), "Who won in March 2021?"),
    ("What happened last month?", date(2026, 11, 1), date(2026, 11, 30), "What happened ?"),
    ("Qu'a-t-il fait l'an dernier ?", date(2025, 1, 1), date(2025, 12, 31), "Qu'a-t-il fait ?"),
])
def test_periods_named_in_questions(question, first, last, searched):
    assert asked_period(question, TODAY) == (Period(first, last), searched)


def test_a_month_without_a_year_is_the_last_one_begun():
    assert asked_period("en décembre", TODAY)[0] == Period(date(2026, 12, 1), date(2026, 12, 31))
    assert asked_period("en décembre", date(2026, 6, 1))[0].first == date(2025, 12, 1)


@pytest.mark.parametrize("question", ["Combien de soldats : 5200 ou 3000 ?",
                                      "Qui a signé la lettre ?"])
def test_questions_without_a_period(question):
    assert asked_period(question, TODAY) == (None, question)


@pytest.mark.parametrize("value, day", [("2024-03-12", date(2024, 3, 12)),
                                        ("2024-03-12T08:00:00+01:00", date(2024, 3, 12)),
                                        ("2024-03-12 08:00:00", date(2024, 3, 12)),
                                        ("mardi", None), (None, None), ("", None)])
def test_an_articles_day(value, day):
    assert article_day(value) == day


def council(day: date, vote: str) -> str:
    return f"""---
title: Le conseil municipal de Sète vote {vote}
date: {day.isoformat()}
---

Le conseil municipal de Sète a voté {vote} lors de sa séance, après un long débat.

Le maire a dit que ce vote engageait la ville pour plusieurs années.
"""


VOTES = {
    "hier": (1, "le budget du port"),
    "semaine": (0, "la rénovation des écoles"),
    "semaine-derniere": (7, "la piscine municipale"),
    "janvier-2020": (None, "le plan de circulation"),
    "2019": (None, "la nouvelle médiathèque"),
}


@pytest.fixture(scope="module")
def engine(tmp_path_factory):
    folder = tmp_path_factory.mktemp("dated")
    today = date.today()
    days = {"janvier-2020": date(2020, 1, 15), "2019": date(2019, 6, 3)}
    for name, (ago, vote) in VOTES.items():
        day = days.get(name) or today - timedelta(days=ago)
        (folder / f"{name}.md").write_text(council(day, vote), encoding="utf-8")
    return AnswerEngine.from_folder(folder)


@pytest.mark.parametrize("question, article", [
    ("Qu'a voté le conseil municipal hier ?", "hier"),
    ("Qu'a voté le conseil municipal aujourd'hui ?", "semaine"),
    ("Qu'a voté le conseil municipal en janvier 2020 ?", "janvier-2020"),
    ("Qu'a voté le conseil municipal en 2019 ?", "2019"),
    ("What did the town council vote yesterday?", "hier"),
    ("What did the town council vote in January 2020?", "janvier-2020"),
])
def test_dated_questions_prefer_the_articles_of_their_time(engine, question, article):
    answer = engine.answer(question)
    assert answer.excerpts[0].source.document == article


def test_a_period_no_article_is_of_changes_nothing(engine):
    dated = engine.answer("Qu'a voté le conseil municipal en 1990 ?")
    plain = engine.answer("Qu'a voté le conseil municipal ?")
    assert [e.source for e in dated.excerpts][:1] == [e.source for e in plain.excerpts][:1]


def test_every_source_shows_its_date(engine):
    answer = engine.answer("Qu'a voté le conseil municipal en 2019 ?")
    excerpt = answer.excerpts[0]
    assert excerpt.source.date == "2019-06-03"
    assert "(2019-06-03)" in source_label(excerpt.source)
    assert "(2019-06-03)" in render_terminal(answer)
    assert "(2019-06-03), §1" in html_answer(answer.excerpts)[0][0]
    assert answer_json(answer)["results"][0]["source"]["date"] == "2019-06-03"


@pytest.mark.parametrize("question, expected", [
    ("Quelle politique est mise en place aujourd'hui à Moscou ?", "Aujourd'hui"),
    ("What is the Tonight Show?", "Tonight Show"),
])
def test_words_of_time_count_as_words_when_no_article_is_of_that_time(question, expected):
    """Undated articles: « aujourd'hui » and "tonight" are words of the question (and of the
    right passage), not a period to prefer."""
    engine = AnswerEngine([
        parse_md("a", "# Moscou\n\nAujourd'hui, Moscou met en place une politique de "
                      "rénovation des façades anciennes.\n\nLe Tonight Show est une émission "
                      "de la télévision américaine.\n"),
        parse_md("b", "# Histoire\n\nLa politique de Moscou fut mise en place par le maire, "
                      "place Rouge.\n\nLe show du samedi est une émission de la radio.\n"),
    ])
    assert expected in engine.answer(question).excerpts[0].text
