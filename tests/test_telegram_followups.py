"""Follow-ups end to end: the real bot process and a fake Bot API. In a private chat a short
question goes on from the last one; in a group, a reply to one of the bot's answers goes on
from that answer; nothing of it is kept on disk."""

from __future__ import annotations

import pytest

from telegram_harness import SEEDS, bot_env, corpus_with, quotes, running_bot
from test_followups import (FIRST, FIRST_EN, FOLLOW_UPS, FOLLOW_UPS_EN, MAYOR, NEW_QUESTION)

SEED_TITLE = next(SEEDS.iterdir()).read_text(encoding="utf-8").splitlines()[0]
MAYOR_TITLE = "Le maire de Sète écrit au ministre des Transports (2024-03-14)"  # with its date


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    return corpus_with(tmp_path_factory.mktemp("corpus"), **{"maire.md": MAYOR})


@pytest.fixture(scope="module")
def bot(telegram, corpus, tmp_path_factory):
    log = tmp_path_factory.mktemp("log") / "bot.log"
    with running_bot(telegram, bot_env(telegram, corpus), log) as process:
        yield process


def ask(telegram, chat, user, text, reply_to=None) -> dict:
    mark = telegram.mark()
    telegram.send(chat, user, text, reply_to=reply_to)
    [reply] = telegram.replies(chat["id"], 1, since=mark)
    return reply


def source_of(reply: dict) -> str:
    """The title of the first quote's source."""
    assert quotes(reply), reply["text"]
    return reply["text"].split("— ", 1)[1].split(", §")[0]


@pytest.mark.parametrize("language, first, follow_ups",
                         [("fr", FIRST, FOLLOW_UPS), ("en", FIRST_EN, FOLLOW_UPS_EN)])
def test_a_private_conversation_of_five_questions(telegram, bot, language, first,
                                                  follow_ups):
    user = telegram.user(language)
    chat = telegram.private_chat(user)
    assert "Seely" in quotes(ask(telegram, chat, user, first))[0]
    for question in follow_ups:
        assert source_of(ask(telegram, chat, user, question)) == SEED_TITLE, question
    assert source_of(ask(telegram, chat, user, NEW_QUESTION)) == MAYOR_TITLE


def test_a_follow_up_in_another_chat_is_a_question_alone(telegram, bot):
    one, other = telegram.user("fr"), telegram.user("fr")
    ask(telegram, telegram.private_chat(one), one, FIRST)
    reply = ask(telegram, telegram.private_chat(other), other, "Et pourquoi ?")
    assert not quotes(reply)


def test_replies_in_a_group_go_on_from_the_answer_they_reply_to(telegram, bot):
    user = telegram.user("fr")
    group = telegram.group_chat()
    answer = ask(telegram, group, user, f"/ask {FIRST}")
    assert "Seely" in quotes(answer)[0]
    for question in FOLLOW_UPS:
        answer = ask(telegram, group, user, question, reply_to=answer)
        assert source_of(answer) == SEED_TITLE, question
    # Not a reply: the group's talk is left alone; a new /ask is a question of its own.
    assert source_of(ask(telegram, group, user, f"/ask {NEW_QUESTION}")) == MAYOR_TITLE
