"""What the bot says in its own words, in French (default) and English. Quotes stay as written."""

from __future__ import annotations

MESSAGES: dict[str, dict[str, str]] = {
    "fr": {
        "no_answer_cli": "Les articles ne répondent pas à cette question : aucun extrait ne "
        "la cite. Essayez d'autres mots.",
        "chat_intro": "Posez une question sur les articles ({count} indexés). Ctrl-D pour quitter.",
        "telegram_hint": "Aucun TELEGRAM_BOT_TOKEN : démarrage du mode local. Pour connecter "
        "Telegram, créez un bot avec @BotFather et mettez son jeton dans TELEGRAM_BOT_TOKEN "
        "(fichier .env), puis relancez « make run ».",
        "empty_question": "La question est vide.",
    },
    "en": {
        "no_answer_cli": "The articles do not answer this question: nothing to quote. Try "
        "other words.",
        "chat_intro": "Ask a question about the articles ({count} indexed). Ctrl-D to quit.",
        "telegram_hint": "No TELEGRAM_BOT_TOKEN: starting the local harness. To connect "
        "Telegram, create a bot with @BotFather, put its token in TELEGRAM_BOT_TOKEN (.env "
        "file), then run `make run` again.",
        "empty_question": "The question is empty.",
    },
}


def language(code: str | None) -> str:
    """The interface language for a user's language code: English for en*, else French."""
    return "en" if code and code.lower().startswith("en") else "fr"


def text(key: str, lang: str = "fr", **values: object) -> str:
    """A message in the given language (French when the key has no translation)."""
    template = MESSAGES.get(lang, MESSAGES["fr"]).get(key) or MESSAGES["fr"][key]
    return template.format(**values) if values else template
