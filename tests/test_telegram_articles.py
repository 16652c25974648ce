"""End to end: administrators add and remove articles from Telegram while the bot runs, and the
bot answers from the corpus folder as it is now. The real bot process, the fake Bot API, and a
local site of French news pages."""

from __future__ import annotations

import shutil
import time

import pytest

from article_server import FLOOD, FLOOD_TITLE, STRIKE, STRIKE_TITLE, article_page, html
from telegram_harness import bot_env, corpus_with, quotes, running_bot, verbatim

# A third article, dropped into the folder by hand while the bot runs.
HARVEST = """Vendanges précoces dans l'Hérault

Les vendanges ont commencé le 8 août dans l'Hérault, trois semaines plus tôt que la moyenne
des trente dernières années.

Les viticulteurs de Pézenas attribuent cette avance à un printemps et un été sans pluie.
"""
# A file an administrator sends.
OLIVES = """---
title: "Récolte des olives à Nyons : « une année exceptionnelle »"
---

La coopérative de Nyons a reçu 1 200 tonnes d'olives cette saison, deux fois plus que l'an
dernier.

Le prix de l'huile d'olive AOP devrait baisser au printemps selon les producteurs.
"""
# How soon a file changed in the folder by other means must be answered from.
WATCH_SECONDS = 5


@pytest.fixture(scope="module")
def admin(telegram):
    return telegram.user("fr")


@pytest.fixture(scope="module")
def other_admins(telegram):
    """Five more administrators, for removals at once."""
    return [telegram.user("fr") for _ in range(5)]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    return corpus_with(tmp_path_factory.mktemp("corpus"))


@pytest.fixture(scope="module")
def bot(telegram, site, admin, other_admins, corpus, tmp_path_factory):
    site.pages.update({"/greve": html(article_page(STRIKE_TITLE, STRIKE)),
                       "/crue": html(article_page(FLOOD_TITLE, FLOOD))})
    log = tmp_path_factory.mktemp("log") / "bot.log"
    admins = ", ".join(str(user["id"]) for user in [admin, *other_admins])
    env = bot_env(telegram, corpus, ADMIN_USER_IDS=f"{admins}, 42", ALLOW_PRIVATE_URLS="true")
    with running_bot(telegram, env, log) as process:
        yield process


def say(telegram, chat: dict, user: dict, text: str | None = None, count: int = 1,
        **content) -> list[dict]:
    """A user's message; the bot's first `count` replies to it."""
    mark = telegram.mark()
    telegram.send(chat, user, text, **content)
    return telegram.replies(chat["id"], count, since=mark, timeout=20)


def articles(corpus) -> list[str]:
    return sorted(p.name for p in corpus.glob("*.md"))


def test_an_admin_adds_a_page_by_add_and_it_is_quoted_at_once(telegram, bot, site, admin,
                                                               corpus):
    private = telegram.private_chat(admin)
    [added] = say(telegram, private, admin, f"/add {site.url('/greve')}")
    assert STRIKE_TITLE in added["text"] and "4 paragraphes" in added["text"]
    [answer] = say(telegram, private, admin, "Combien de salariés ont cessé le travail ?")
    assert "près de 300 salariés ont cessé le travail" in quotes(answer)[0]
    assert all(verbatim(q, corpus) for q in quotes(answer))
    sources = say(telegram, private, admin, "/sources")
    assert STRIKE_TITLE in sources[0]["text"]
    [saved] = corpus.glob("greve-*.md")
    assert saved.stem in sources[0]["text"]  # the id /remove takes, shown to administrators


def test_an_admins_bare_link_is_added_not_asked(telegram, bot, site, admin, corpus):
    private = telegram.private_chat(admin)
    [added] = say(telegram, private, admin, site.url("/crue"))
    assert FLOOD_TITLE in added["text"] and "3 paragraphes" in added["text"]
    [answer] = say(telegram, private, admin, "Combien d'habitants de Sommières évacués ?")
    assert "450 habitants" in quotes(answer)[0]


def test_an_admin_adds_a_file_sent_as_a_document(telegram, bot, admin, corpus):
    private = telegram.private_chat(admin)
    document = telegram.upload("olives.md", OLIVES.encode(), "text/markdown")
    [added] = say(telegram, private, admin, document=document)
    assert "Récolte des olives à Nyons" in added["text"] and "2 paragraphes" in added["text"]
    [answer] = say(telegram, private, admin, "Combien de tonnes d'olives à Nyons ?")
    assert "1 200 tonnes d'olives" in quotes(answer)[0]
    assert all(verbatim(q, corpus) for q in quotes(answer))


def test_an_admins_bad_link_gets_one_clear_reply_and_adds_nothing(telegram, bot, site, admin,
                                                                   corpus):
    private = telegram.private_chat(admin)
    before = articles(corpus)
    [reply] = say(telegram, private, admin, f"/add {site.url('/introuvable')}")
    assert "404" in reply["text"] and "rien n'est ajouté" in reply["text"]
    [reply] = say(telegram, private, admin, "/add")
    assert "/add" in reply["text"]
    assert articles(corpus) == before


def test_others_are_refused_politely_and_nothing_is_added(telegram, bot, site, corpus):
    user = telegram.user("fr")
    private, group = telegram.private_chat(user), telegram.group_chat()
    before, fetched = articles(corpus), len(site.requests)
    for chat, message in [(private, f"/add {site.url('/greve')}"), (private, site.url('/crue')),
                          (private, "/remove whatever"), (group, f"/add {site.url('/greve')}")]:
        [reply] = say(telegram, chat, user, message)
        assert "seuls les administrateurs" in reply["text"]
    upload = telegram.upload("article.md", b"# Titre\n\nUn paragraphe.\n", "text/markdown")
    [reply] = say(telegram, private, user, document=upload)
    assert "seuls les administrateurs" in reply["text"]
    assert articles(corpus) == before and len(site.requests) == fetched


def test_an_admin_can_add_in_a_group(telegram, bot, site, admin, corpus):
    group = telegram.group_chat()
    [added] = say(telegram, group, admin, f"/add@citebot_test_bot {site.url('/crue')}")
    assert FLOOD_TITLE in added["text"]
    assert len(list(corpus.glob("crue-*.md"))) == 1  # the same url again: replaced


def test_remove_takes_an_article_out_and_keeps_its_file(telegram, bot, site, admin, corpus):
    private = telegram.private_chat(admin)
    say(telegram, private, admin, f"/add {site.url('/greve')}")
    [saved] = corpus.glob("greve-*.md")
    [reply] = say(telegram, private, admin, f"/remove {saved.stem}")
    assert "retiré" in reply["text"]
    assert not saved.exists() and (corpus / ".removed" / saved.name).exists()
    [answer] = say(telegram, private, admin, "Combien de salariés ont cessé le travail ?")
    assert not any("300 salariés" in q for q in quotes(answer))
    [reply] = say(telegram, private, admin, f"/remove {saved.stem}")
    assert "déjà retiré" in reply["text"]
    [reply] = say(telegram, private, admin, "/remove jamais-vu")
    assert "Aucun article" in reply["text"]


def test_a_file_dropped_into_the_folder_is_answered_within_seconds(telegram, bot, admin, corpus,
                                                                   tmp_path):
    private = telegram.private_chat(admin)
    question = "Quand ont commencé les vendanges dans l'Hérault ?"
    [answer] = say(telegram, private, admin, question)
    assert not any("8 août dans l'Hérault" in q for q in quotes(answer))
    (tmp_path / "vendanges.txt").write_text(HARVEST, encoding="utf-8")
    shutil.copy(tmp_path / "vendanges.txt", corpus / "vendanges.txt")  # as an operator would
    dropped = time.monotonic()
    while True:
        [answer] = say(telegram, private, admin, question)
        if any("8 août dans l'Hérault" in q for q in quotes(answer)):
            break
        assert time.monotonic() - dropped < WATCH_SECONDS, "not answered from the new file"
        time.sleep(0.2)
    (corpus / "vendanges.txt").unlink()
    deleted = time.monotonic()
    while any("8 août dans l'Hérault" in q for q in quotes(say(telegram, private, admin,
                                                               question)[0])):
        assert time.monotonic() - deleted < WATCH_SECONDS, "still answered from a deleted file"
        time.sleep(0.2)


def test_add_from_telegram_takes_links_only_never_a_path_of_the_server(telegram, bot, admin,
                                                                      corpus, tmp_path):
    """A path would have the bot add (and quote to everyone) any file of the server it can
    read, such as its .env with the token."""
    secret = tmp_path / "secret.md"
    secret.write_text("# Secret\n\nLe mot de passe du serveur est hippopotame.\n")
    private = telegram.private_chat(admin)
    before = articles(corpus)
    for path in (str(secret), f"file://{secret}", "~/.env"):
        [reply] = say(telegram, private, admin, f"/add {path}")
        assert "seuls les liens http:// et https://" in reply["text"].lower()
    assert articles(corpus) == before
    [answer] = say(telegram, private, admin, "Quel est le mot de passe du serveur ?")
    assert not any("hippopotame" in q for q in quotes(answer))


def test_a_4096_character_add_gets_its_real_refusal_shortened(telegram, bot, admin, corpus):
    private = telegram.private_chat(admin)
    before = articles(corpus)
    [reply] = say(telegram, private, admin, "/add " + "x" * 4091)
    assert "seuls les liens http:// et https://" in reply["text"].lower()
    assert len(reply["text"]) < 300 and "…" in reply["text"]
    assert articles(corpus) == before


def test_six_admins_removing_one_article_at_once_first_wins_others_are_told(
        telegram, bot, admin, other_admins, corpus):
    (corpus / "vendanges.txt").write_text(HARVEST, encoding="utf-8")
    chats = [(telegram.private_chat(user), user) for user in [admin, *other_admins]]
    mark = telegram.mark()
    for chat, user in chats:
        telegram.send(chat, user, "/remove vendanges")
    replies = [telegram.replies(chat["id"], since=mark, timeout=20)[0]["text"]
               for chat, _ in chats]
    assert sum(r.startswith("Article retiré") for r in replies) == 1
    assert sum("est déjà retiré" in r for r in replies) == 5, replies
    assert (corpus / ".removed" / "vendanges.txt").exists()
