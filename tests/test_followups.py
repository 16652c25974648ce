"""Follow-up questions: a question that leans on the one before (« et pourquoi ? », "and
when?") is answered from the previous answer's article, in the engine, the terminal chat and
the memory of a private chat; a question of its own is answered alone."""

from __future__ import annotations

import subprocess
import sys

import pytest

from bot.telegram.followups import RecentQuestions
from retrieval import AnswerEngine, Previous
from retrieval.answer.followup import leans_on_previous

from telegram_harness import PROJECT, SEEDS, corpus_with

SEED = next(SEEDS.iterdir()).stem
# Another article about a signed letter, a mayor who "a dit après": what the follow-ups would
# be answered from if they were read alone.
MAYOR = """---
title: Le maire de Sète écrit au ministre des Transports
date: 2024-03-14
---

Une lettre signée par le maire de Sète a été envoyée mardi au ministre des Transports.

Le maire demande dans cette lettre une médiation, parce que la grève des dockers paralyse le
port depuis une semaine.

Il a dit après la réunion du conseil municipal qu'il attendait une réponse avant la fin du mois.
"""
FIRST = "Qui a signé la lettre sur le retrait des troupes ?"
FOLLOW_UPS = ["Et pourquoi ?", "Quand a-t-elle été envoyée ?", "Et qu'a-t-il dit après ?"]
FIRST_EN = "Who signed the letter about the withdrawal of the troops?"
FOLLOW_UPS_EN = ["and why?", "and when was it sent?", "What did he say after?"]
NEW_QUESTION = "Que demande le maire de Sète ?"


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    return corpus_with(tmp_path_factory.mktemp("corpus"), **{"maire.md": MAYOR})


@pytest.fixture(scope="module")
def engine(corpus):
    return AnswerEngine.from_folder(corpus)


def first_article(engine: AnswerEngine, question: str, previous: Previous | None = None
                  ) -> str | None:
    answer = engine.answer(question, 3, previous)
    return answer.excerpts[0].source.document if answer.excerpts else None


@pytest.mark.parametrize("question", ["Et pourquoi ?", "pourquoi ?", "et lui ?", "quand ?",
                                      "and when?", "Why?", "Et qu'a-t-il dit après ?",
                                      "Quand a-t-elle été envoyée ?", "What did he say after?"])
def test_short_questions_that_lean_on_the_one_before(question):
    assert leans_on_previous(question)


@pytest.mark.parametrize("question", [FIRST, NEW_QUESTION, "Qui dirige le Pentagone ?",
                                      "Quelle est la capitale du Japon ?", "Bonjour", ""])
def test_questions_of_their_own_do_not_lean(question):
    assert not leans_on_previous(question)


@pytest.mark.parametrize("first, follow_ups", [(FIRST, FOLLOW_UPS), (FIRST_EN, FOLLOW_UPS_EN)])
def test_a_conversation_of_five_questions(engine, first, follow_ups):
    answer = engine.answer(first)
    assert answer.excerpts[0].source.document == SEED
    assert "Seely" in answer.excerpts[0].text
    for question in follow_ups:
        answer = engine.answer(question, 3, answer.conversation)
        assert answer.excerpts and answer.excerpts[0].source.document == SEED, question
    # A question of its own, asked next, is answered alone.
    answer = engine.answer(NEW_QUESTION, 3, answer.conversation)
    assert answer.excerpts[0].source.document == "maire"


def test_follow_ups_alone_are_not_answered_from_the_conversation(engine):
    assert first_article(engine, "Et pourquoi ?") is None
    assert first_article(engine, "Quand a-t-elle été envoyée ?") == "maire"
    assert first_article(engine, "Et qu'a-t-il dit après ?") == "maire"


def test_the_previous_articles_are_preferred(engine):
    """The same follow-up after a question on the other article goes on about that one."""
    answer = engine.answer("Qui a écrit au ministre des Transports ?")
    assert answer.excerpts[0].source.document == "maire"
    assert first_article(engine, "Et pourquoi ?", answer.conversation) == "maire"


def test_a_conversation_carries_only_its_last_words():
    answer_words = " ".join(f"mot{n}" for n in range(100))
    engine = AnswerEngine.from_folder(SEEDS)
    answer = engine.answer("Et pourquoi ?", 3, Previous(answer_words))
    assert len(answer.conversation.words.split()) <= 40
    assert answer.conversation.words.endswith("Et pourquoi ?")


def test_the_terminal_chat_reads_follow_ups_with_the_question_before(corpus):
    lines = "\n".join([FIRST, *FOLLOW_UPS]) + "\n"
    result = subprocess.run([sys.executable, "-m", "bot", "chat", "--corpus", str(corpus),
                             "--top-k", "1"], input=lines, capture_output=True, text=True,
                            cwd=PROJECT, timeout=300)
    assert result.returncode == 0, result.stderr
    answers = result.stdout.split("? ")[1:]
    assert len(answers) == 4
    assert all("Les Etats-Unis ont annoncé" in a for a in answers), result.stdout


def test_a_private_chats_last_question_is_held_a_few_minutes_and_bounded():
    now = [0.0]
    recent = RecentQuestions(seconds=300, size=2, clock=lambda: now[0])
    recent.put(1, Previous("Qui a signé la lettre ?"))
    now[0] = 299
    assert recent.get(1) == Previous("Qui a signé la lettre ?")
    now[0] = 301
    assert recent.get(1) is None
    for chat in (1, 2, 3):
        recent.put(chat, Previous(f"question {chat}"))
    assert recent.get(1) is None and recent.get(3) == Previous("question 3")
