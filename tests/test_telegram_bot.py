"""End to end: the real bot process, long polling a fake Bot API, as users see it.

One bot process serves the whole module; each test talks in chats of its own.
"""

from __future__ import annotations

import pytest

from retrieval.engine import AnswerEngine

from fake_telegram import FakeTelegram
from telegram_harness import (SEEDS, TOKEN, bold, bot_env, corpus_with, quotes, running_bot,
                              verbatim)

PORT_TITLE = "Port de Marseille : le <record> & la grève"
PORT_URL = "https://example.org/port?id=1&lang=fr"
PORT = f"""---
title: "{PORT_TITLE}"
url: {PORT_URL}
---

Le port de Marseille a accueilli 3,2 millions de passagers de croisière en 2023, un record
selon la direction du port.

Les dockers du port ont voté une grève de 48 heures. Le syndicat <CGT> & la direction
négocient depuis mardi.

Le maire de Marseille a salué « un accord possible » entre les dockers et la direction.
"""
SEED_TITLE = (SEEDS / "000_85afb7300cb9c276.txt").read_text(encoding="utf-8").splitlines()[0]
SORRY = "Désolé"


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    return corpus_with(tmp_path_factory.mktemp("corpus"), **{"port.md": PORT})


@pytest.fixture(scope="module")
def bot(telegram, corpus, tmp_path_factory):
    log = tmp_path_factory.mktemp("log") / "bot.log"
    with running_bot(telegram, bot_env(telegram, corpus), log) as process:
        yield process


@pytest.fixture
def chat(telegram, bot):
    """A new private chat with a French-speaking user: (server, chat, user)."""
    user = telegram.user("fr")
    return telegram, telegram.private_chat(user), user


def ask(telegram: FakeTelegram, chat: dict, user: dict, text: str | None, count: int = 1,
        **content) -> tuple[dict, list[dict]]:
    """A user's message and the bot's first `count` replies to it."""
    mark = telegram.mark()
    message = telegram.send(chat, user, text, **content)
    return message, telegram.replies(chat["id"], count, since=mark)


def buttons(message: dict) -> dict[str, str]:
    return {b["text"]: b["callback_data"]
            for row in message.get("reply_markup", {}).get("inline_keyboard", []) for b in row}


def test_private_question_gets_verbatim_quotes_with_linked_sources(chat, corpus):
    telegram, private, user = chat
    question, [reply] = ask(telegram, private, user,
                            "Combien de passagers a accueilli le port de Marseille ?")
    assert "3,2 millions de passagers" in quotes(reply)[0]
    assert all(verbatim(q, corpus) for q in quotes(reply))
    assert "passagers" in bold(reply)
    assert f"— {PORT_TITLE}, §1" in reply["text"]
    assert any(e["type"] == "text_link" and e["url"] == PORT_URL for e in reply["entities"])
    sent = telegram.sent(private["id"])[-1].params
    assert sent["link_preview_options"] == {"is_disabled": True}
    assert reply["reply_to_message"]["message_id"] == question["message_id"]
    actions = telegram.wait_for(lambda _: telegram.sent(private["id"], method="sendChatAction"))
    assert actions[-1].params["action"] == "typing"
    assert "Contexte" in buttons(reply)


def test_seed_article_is_quoted_with_its_title_and_paragraph(chat):
    telegram, private, user = chat
    _, [reply] = ask(telegram, private, user, "Qui est le chef du Pentagone ?")
    assert "Mark Esper" in reply["text"]
    assert f"— {SEED_TITLE}, §" in reply["text"]


def test_no_answer_says_so_and_suggests_sources(chat):
    telegram, private, user = chat
    _, [reply] = ask(telegram, private, user, "Quelle est la capitale du Japon ?")
    assert not quotes(reply)
    assert "ne répondent pas" in reply["text"] and "/sources" in reply["text"]


# The seed article speaks of the letter but names no one who criticised it: not sure.
UNSURE = "Qui a critiqué la lettre ?"
NEAREST_LABEL = "passage proche, pas une réponse sûre"


def test_not_sure_says_so_and_labels_each_nearest_passage(chat, corpus):
    telegram, private, user = chat
    _, [reply] = ask(telegram, private, user, UNSURE)
    assert reply["text"].startswith("Pas de réponse sûre dans les articles.")
    assert 1 <= len(quotes(reply)) <= 2
    assert all(verbatim(q, corpus) for q in quotes(reply))
    assert reply["text"].count(NEAREST_LABEL) == len(quotes(reply))
    assert not buttons(reply)  # no "more excerpts" of an answer that was not given


@pytest.mark.parametrize("message, expected", [
    ("Bonjour !", "Posez-moi une question"), ("Merci beaucoup", "Avec plaisir"),
])
def test_greetings_and_thanks_get_a_friendly_reply(chat, message, expected):
    telegram, private, user = chat
    _, [reply] = ask(telegram, private, user, message)
    assert expected in reply["text"] and not quotes(reply)


def test_english_users_get_the_interface_in_english(telegram, bot):
    user = telegram.user("en-GB")
    private = telegram.private_chat(user)
    _, [reply] = ask(telegram, private, user, "Quelle est la capitale du Japon ?")
    assert "do not answer" in reply["text"]
    _, [reply] = ask(telegram, private, user, "/start")
    assert "Hello" in reply["text"]


def test_start_help_and_sources(chat):
    telegram, private, user = chat
    _, [start] = ask(telegram, private, user, "/start")
    assert "les 2 articles" in start["text"]
    assert "italic" in [e["type"] for e in start.get("entities", [])]  # the example question
    _, [help_] = ask(telegram, private, user, "/help")
    assert "@citebot_test_bot" in help_["text"] and "/ask" in help_["text"]
    _, [sources] = ask(telegram, private, user, "/sources")
    assert PORT_TITLE in sources["text"] and PORT_URL in sources["text"]
    assert SEED_TITLE in sources["text"] and "3 paragraphes" in sources["text"]
    assert "2 articles indexés" in sources["text"]


def test_commands_are_registered_in_both_languages(telegram, bot):
    for lang in (None, "en"):
        assert [c["command"] for c in telegram.commands[lang]] == ["start", "help", "sources",
                                                                   "ask"]


def test_group_ask_is_answered_in_reply_and_chatter_ignored(telegram, bot):
    user, group = telegram.user(), telegram.group_chat()
    mark = telegram.mark()
    other = telegram.send(group, user, "La grève des dockers continue ?")  # not for the bot
    telegram.send(group, user, "/ask@other_bot grève des dockers")
    telegram.send(group, user, "Oui, grève des dockers.", reply_to=other)
    question = telegram.send(group, user, "/ask@citebot_test_bot grève des dockers")
    [reply] = telegram.replies(group["id"], since=mark)
    assert "grève" in bold(reply)
    assert reply["reply_to_message"]["message_id"] == question["message_id"]
    question = telegram.send(group, user, "/ask Combien de passagers ?")
    replies = telegram.replies(group["id"], 2, since=mark)
    assert replies[1]["reply_to_message"]["message_id"] == question["message_id"]
    assert len(telegram.sent(group["id"], since=mark)) == 2


def test_group_mention_and_reply_to_the_bot_are_answered(telegram, bot):
    user, group = telegram.user(), telegram.group_chat()
    mention, [reply] = ask(telegram, group, user, "@citebot_test_bot grève des dockers ?")
    assert reply["reply_to_message"]["message_id"] == mention["message_id"]
    assert "grève" in bold(reply)
    _, [second] = ask(telegram, group, user, "Et le maire de Marseille ?", reply_to=reply)
    assert "maire" in bold(second)


def test_context_button_answers_the_press_then_shows_the_whole_paragraph(chat, corpus):
    telegram, private, user = chat
    _, [reply] = ask(telegram, private, user, "Combien de dockers ont voté une grève ?")
    mark = telegram.mark()
    telegram.press(reply, buttons(reply)["Contexte"], user)
    # The question's "typing…" is best effort and may land after its answer: not the press's.
    calls = telegram.wait_for(lambda calls: [c.method for c in calls[mark:]
                                             if c.method not in ("getUpdates", "sendChatAction")]
                              or None)
    edit = telegram.wait_for(lambda calls: next((c for c in calls[mark:]
                                                 if c.method == "editMessageText"), None))
    assert calls[0] == "answerCallbackQuery"
    shown = edit.result
    assert quotes(shown) == ["Les dockers du port ont voté une grève de 48 heures. Le syndicat "
                             "<CGT> & la direction négocient depuis mardi."]
    assert "48 heures" in bold(shown)[0]
    assert f"— {PORT_TITLE}, §2" in shown["text"]
    back = buttons(shown)["↩ Extraits"]
    mark = telegram.mark()
    telegram.press(shown, back, user)
    edit = telegram.wait_for(lambda calls: next((c for c in calls[mark:]
                                                 if c.method == "editMessageText"), None))
    assert quotes(edit.result) == quotes(reply)


def test_more_button_shows_the_next_excerpts(chat, corpus):
    telegram, private, user = chat
    _, [reply] = ask(telegram, private, user, "retrait des troupes américaines en Irak")
    mark = telegram.mark()
    telegram.press(reply, buttons(reply)["Autres extraits"], user)
    edit = telegram.wait_for(lambda calls: next((c for c in calls[mark:]
                                                 if c.method == "editMessageText"), None))
    more = quotes(edit.result)
    assert more and not set(more) & set(quotes(reply))
    assert all(verbatim(q, corpus) for q in more)
    assert "Contexte" in buttons(edit.result)


def test_a_button_the_bot_cannot_serve_gets_a_short_notice(chat):
    telegram, private, user = chat
    _, [reply] = ask(telegram, private, user, "grève des dockers")
    mark = telegram.mark()
    telegram.press(reply, "c:0:AAAAAAAAAAAA:1:2", user)  # no such document (corpus changed)
    answered = telegram.wait_for(lambda calls: next(
        (c for c in calls[mark:] if c.method == "answerCallbackQuery"), None))
    assert "plus disponible" in answered.params["text"]
    assert not telegram.sent(private["id"], since=mark, method="editMessageText")


def test_inline_query_offers_excerpts_that_send_quote_and_source(telegram, bot):
    mark = telegram.mark()
    telegram.inline("passagers du port de Marseille", telegram.user())
    call = telegram.wait_for(lambda calls: next(
        (c for c in calls[mark:] if c.method == "answerInlineQuery"), None))
    assert call.status == 200  # the fake server checked each result's HTML
    first = call.params["results"][0]
    assert first["title"] == f"{PORT_TITLE}, §1"
    assert first["description"].startswith("Le port de Marseille a accueilli")
    content = first["input_message_content"]
    assert content["parse_mode"] == "HTML"
    assert content["message_text"].startswith("<blockquote>")
    assert "&lt;record&gt; &amp; la grève</a>, §1" in content["message_text"]


def test_inline_nearest_passages_are_labelled_in_the_list_and_the_message(telegram, bot):
    mark = telegram.mark()
    telegram.inline(UNSURE, telegram.user())
    call = telegram.wait_for(lambda calls: next(
        (c for c in calls[mark:] if c.method == "answerInlineQuery"), None))
    assert call.status == 200
    results = call.params["results"]
    assert 1 <= len(results) <= 2
    for result in results:
        assert result["title"].startswith("Passage proche, pas une réponse sûre — ")
        assert NEAREST_LABEL in result["input_message_content"]["message_text"]


@pytest.mark.parametrize("text, expected", [
    ("   ", "Posez votre question"),
    ("\u200b\u2060\u200f", "Posez votre question"),
    ("<script>alert('x')</script> grève des dockers", "grève"),
    ("**grève** des _dockers_ `&` [<>] ?", "grève"),
    ("🚢🔥 grève des dockers ⚓️", "grève"),
    ("\u202bما هي grève des dockers؟\u202c", "grève"),
    ("gr\u200bève des do\u200dckers", "grève"),
    (("grève des dockers " * 300)[:4096], "grève"),
])
def test_bad_input_gets_a_sensible_reply(chat, text, expected):
    telegram, private, user = chat
    _, [reply] = ask(telegram, private, user, text)
    assert expected in reply["text"] and SORRY not in reply["text"]


@pytest.mark.parametrize("content", [
    {"sticker": {"file_id": "s", "file_unique_id": "s", "width": 512, "height": 512,
                 "is_animated": False, "is_video": False, "type": "regular"}},
    {"photo": [{"file_id": "p", "file_unique_id": "p", "width": 90, "height": 90}]},
    {"voice": {"file_id": "v", "file_unique_id": "v", "duration": 2}},
])
def test_non_text_in_private_asks_for_text(chat, content):
    telegram, private, user = chat
    _, [reply] = ask(telegram, private, user, None, **content)
    assert "sous forme de texte" in reply["text"]


def test_flood_control_is_retried_and_nothing_is_lost(chat):
    telegram, private, user = chat
    telegram.fail_next("sendMessage", 429, "Too Many Requests: retry after 1", retry_after=1)
    mark = telegram.mark()
    _, [reply] = ask(telegram, private, user, "grève des dockers")
    assert "grève" in bold(reply)
    statuses = [c.status for c in telegram.calls[mark:] if c.method == "sendMessage"]
    assert statuses == [429, 200]


def test_an_error_gets_an_apology_and_is_logged_without_text(chat, bot):
    """Answered and failed updates alike are logged with what was done, never the text."""
    telegram, private, user = chat
    ask(telegram, private, user, "grève des dockers secret-question-words")
    telegram.fail_next("sendMessage", 400, "Bad Request: chat not found")
    _, [reply] = ask(telegram, private, user, "grève des dockers secret-question-words")
    assert reply["text"].startswith(SORRY)
    log = telegram.wait_for(lambda _: "failed" in (text := bot.log()) and text)
    assert "secret-question-words" not in log and TOKEN not in log
    assert "result(s), engine" in log


def test_long_answers_are_split_between_excerpts(tmp_path):
    title = "Dossier " + "très long titre de dossier " * 8
    paragraphs = [f"Le chat noir {n} et le chat gris et le chat roux du jardin dorment au soleil "
                  "près de la maison bleue, car chaque chat du jardin aime le soleil de la maison "
                  "bleue et le jardin du chat noir." for n in range(12)]
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "chats.txt").write_text(title + "\n\n" + "\n\n".join(paragraphs), encoding="utf-8")
    with FakeTelegram(TOKEN) as telegram, running_bot(
            telegram, bot_env(telegram, corpus, TOP_K="10"), tmp_path / "bot.log"):
        user = telegram.user()
        private = telegram.private_chat(user)
        question = "chat noir jardin soleil maison bleue"
        ask(telegram, private, user, question, 2)
        telegram.wait_for(lambda _: telegram.sent(private["id"])[-1].result.get("reply_markup"))
        replies = [c.result for c in telegram.sent(private["id"])]
        refused = [c for c in telegram.calls if c.method == "sendMessage" and c.status != 200]
    assert len(replies) >= 2 and not refused
    excerpts = AnswerEngine.from_folder(corpus).answer(question, 10).excerpts
    assert sum(len(quotes(r)) for r in replies) == len(excerpts) > 3
    assert all(r["text"].count("— Dossier") == len(quotes(r)) for r in replies)


# Issue 8, point 5: flood control never loses, delays or replaces an answer.
def test_a_refused_typing_action_neither_holds_up_nor_replaces_the_answer(chat):
    telegram, private, user = chat
    telegram.fail_next("sendChatAction", 429, "Too Many Requests: retry after 30", retry_after=30)
    _, [reply] = ask(telegram, private, user, "grève des dockers")  # within 10 s, not 30
    assert "grève" in bold(reply)
    assert len(telegram.sent(private["id"])) == 1
    attempts = [c for c in telegram.calls if c.method == "sendChatAction"
                and c.params["chat_id"] == private["id"]]
    assert len(attempts) <= 1  # never retried (it may even be skipped: best effort)


def test_an_answer_is_sent_again_after_each_429_until_it_goes_through(chat):
    telegram, private, user = chat
    for _ in range(6):  # more than AIORateLimiter's 5 retries
        telegram.fail_next("sendMessage", 429, "Too Many Requests: retry after 1", retry_after=1)
    mark = telegram.mark()
    telegram.send(private, user, "grève des dockers")
    [reply] = telegram.replies(private["id"], since=mark, timeout=20)
    assert "grève" in bold(reply) and SORRY not in reply["text"]
    attempts = [c for c in telegram.calls[mark:] if c.method == "sendMessage"]
    assert [c.status for c in attempts] == [429] * 6 + [200]
    assert all(b.at - a.at >= 1 for a, b in zip(attempts, attempts[1:]))  # retry_after kept


def test_questions_sent_at_once_are_each_answered_once_a_second_apart(chat):
    telegram, private, user = chat
    mark = telegram.mark()
    questions = [telegram.send(private, user, q) for q in (
        "grève des dockers", "Combien de passagers ?", "Et le maire de Marseille ?",
        "Qui est le chef du Pentagone ?")]
    replies = telegram.replies(private["id"], 4, since=mark, timeout=15)
    assert sorted(r["reply_to_message"]["message_id"] for r in replies) == sorted(
        q["message_id"] for q in questions)
    assert not any(SORRY in r["text"] for r in replies)
    sends = [c for c in telegram.calls[mark:] if c.method == "sendMessage"]
    assert all(c.status == 200 for c in sends)  # Telegram's 1 message/s per chat kept
