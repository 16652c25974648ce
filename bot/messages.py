"""What the bot says in its own words, in French (default) and English. Quotes stay as written.

A message that counts something has one text per plural category of CLDR's rules ("one",
"other"), chosen by Babel: French says "0 article", "1 article", "2 articles"; English
"0 articles", "1 article". Counts are written the language's way ("100 000", "100,000").
"""

from __future__ import annotations

from babel import Locale
from babel.numbers import format_decimal

Template = str | dict[str, str]  # a text, or a text per plural category

MESSAGES: dict[str, dict[str, Template]] = {
    "fr": {
        "no_answer_cli": "Les articles ne répondent pas à cette question : aucun extrait ne "
        "la cite. Essayez d'autres mots.",
        "chat_intro": {
            "one": "{count} article indexé. Posez une question, « quit » ou Ctrl-D pour quitter.",
            "other": "{count} articles indexés. Posez une question, « quit » ou Ctrl-D pour "
            "quitter.",
        },
        "telegram_hint": "Aucun TELEGRAM_BOT_TOKEN : démarrage du mode local. Pour connecter "
        "Telegram, créez un bot avec @BotFather et mettez son jeton dans TELEGRAM_BOT_TOKEN "
        "(fichier .env), puis relancez « make run ».",
        "empty_question": "La question est vide.",
        "not_utf8": "la ligne {line} n'est pas du texte UTF-8 : elle est ignorée",
        # Telegram messages below are HTML: only <b>, <i>, <code> tags, no bare < > &.
        "start": {
            "one": "Bonjour ! Je réponds aux questions sur l'article que j'ai lu en citant ses "
            "propres mots, avec la source de chaque extrait.\n\n"
            "Posez-moi une question, par exemple :\n<i>{example}</i>\n\n"
            "/sources : l'article indexé\n/help : l'aide",
            "other": "Bonjour ! Je réponds aux questions sur les {count} articles que j'ai lus "
            "en citant leurs propres mots, avec la source de chaque extrait.\n\n"
            "Posez-moi une question, par exemple :\n<i>{example}</i>\n\n"
            "/sources : les articles indexés\n/help : l'aide",
        },
        "help": "Envoyez une question en texte : je réponds par les passages des articles qui y "
        "répondent, mot pour mot, chacun avec sa source (titre et §N du paragraphe).\n\n"
        "<b>Contexte</b> montre tout le paragraphe du premier extrait, <b>Autres extraits</b> "
        "les résultats suivants.\n\n"
        "Dans un groupe : <code>/ask votre question</code>, ou mentionnez-moi, ou répondez à "
        "l'un de mes messages.\n"
        "Ailleurs : tapez <code>@{username} votre question</code> dans n'importe quelle "
        "discussion.\n\n/sources : les articles indexés",
        "example": "Qui a signé la lettre annonçant le retrait ?",
        "ask_empty": "Posez votre question en texte, par exemple :\n<i>{example}</i>\n"
        "Dans un groupe : <code>/ask votre question</code>.",
        "not_text": "Envoyez-moi une question sous forme de texte : je ne lis ni les images, ni "
        "les autocollants, ni les messages vocaux.",
        "no_answer": "Les articles ne répondent pas à cette question : je n'ai rien à citer. "
        "Essayez d'autres mots, ou voyez /sources pour les articles que j'ai lus.",
        "sorry": "Désolé, quelque chose s'est mal passé de mon côté. Réessayez dans un instant.",
        "paragraphs": {"one": "{count} paragraphe", "other": "{count} paragraphes"},
        "sources_title": {"one": "<b>{count} article indexé</b>",
                          "other": "<b>{count} articles indexés</b>"},
        "more_sources": {"one": "… et {count} autre", "other": "… et {count} autres"},
        "button_context": "Contexte",
        "button_more": "Autres extraits",
        "button_back": "↩ Extraits",
        "gone": "Cette réponse n'est plus disponible : posez la question à nouveau.",
        "command_start": "Ce que fait le bot",
        "command_help": "Aide",
        "command_sources": "Les articles indexés",
        "command_ask": "Poser une question (dans les groupes)",
        # Adding and removing articles (administrators). Article errors are plain text: the
        # terminal prints them too, and the bot escapes what they quote.
        "article_added": {"one": "{document} : « {title} », {count} paragraphe",
                          "other": "{document} : « {title} », {count} paragraphes"},
        "article_added_html": {
            "one": "Article ajouté : <b>{title}</b> — {count} paragraphe. Posez vos questions !"
            "\nPour le retirer : <code>/remove {document}</code>",
            "other": "Article ajouté : <b>{title}</b> — {count} paragraphes. Posez vos "
            "questions !\nPour le retirer : <code>/remove {document}</code>",
        },
        "article_removed": "Article retiré : {document} (le fichier est gardé dans {folder})",
        "not_admin": "Désolé, seuls les administrateurs de ce bot peuvent ajouter ou retirer des "
        "articles. Posez-moi plutôt une question en texte sur les articles de /sources.",
        "add_usage": "Envoyez <code>/add</code> suivi du lien de l'article, le lien seul, ou le "
        "fichier .html, .txt ou .md.",
        "remove_usage": "Envoyez <code>/remove</code> suivi de l'identifiant de l'article (voir "
        "/sources).",
        "article_no_file": "fichier introuvable : {name}",
        "article_unreadable_file": "impossible de lire {name} : {error}",
        "article_file_type": "{name} : seuls les fichiers {types} peuvent être ajoutés",
        "article_binary": "ce n'est pas du texte (fichier binaire) : rien n'est ajouté",
        "article_not_utf8": "{name} n'est pas du texte UTF-8 : rien n'est ajouté",
        "article_bad_encoding": "la page n'est pas lisible dans son encodage ({charset}) : rien "
        "n'est ajouté",
        "article_no_text": "aucun texte d'article trouvé : rien n'est ajouté",
        "article_not_http": "seuls les liens http:// et https:// peuvent être ajoutés : {url}",
        "article_unreachable": "impossible de joindre {host} : rien n'est ajouté",
        "article_private_address": "{host} est une adresse locale ou privée : refusé "
        "(ALLOW_PRIVATE_URLS=true l'autorise)",
        "article_timeout": "la page n'a pas répondu en {seconds} s : rien n'est ajouté",
        "article_too_many_redirects": "plus de {count} redirections : rien n'est ajouté",
        "article_http_status": "le site a répondu {status} : rien n'est ajouté",
        "article_content_type": "ce n'est pas une page de texte ({type}) : rien n'est ajouté",
        "article_too_large": "plus de {megabytes} Mo : trop long pour un article, rien n'est "
        "ajouté",
        "article_no_document": "aucun article « {document} » (voir /sources)",
        "article_not_a_feed": "{url} n'est pas un flux RSS ou Atom lisible",
        "feed_polled": "{feed} : {added} nouveaux, {updated} mis à jour, {failed} en échec",
    },
    "en": {
        "no_answer_cli": "The articles do not answer this question: nothing to quote. Try "
        "other words.",
        "chat_intro": {
            "one": "{count} article indexed. Ask a question; “quit” or Ctrl-D to leave.",
            "other": "{count} articles indexed. Ask a question; “quit” or Ctrl-D to leave.",
        },
        "telegram_hint": "No TELEGRAM_BOT_TOKEN: starting the local harness. To connect "
        "Telegram, create a bot with @BotFather, put its token in TELEGRAM_BOT_TOKEN (.env "
        "file), then run `make run` again.",
        "empty_question": "The question is empty.",
        "not_utf8": "line {line} is not UTF-8 text: skipped",
        "start": {
            "one": "Hello! I answer questions about the article I have read by quoting its own "
            "words, with the source of every excerpt. Quotes stay in the article's language."
            "\n\nAsk me a question, for example:\n<i>{example}</i>\n\n"
            "/sources: the indexed article\n/help: help",
            "other": "Hello! I answer questions about the {count} articles I have read by "
            "quoting their own words, with the source of every excerpt. Quotes stay in the "
            "articles' language.\n\nAsk me a question, for example:\n<i>{example}</i>\n\n"
            "/sources: the indexed articles\n/help: help",
        },
        "help": "Send a question as text: I reply with the passages of the articles that answer "
        "it, word for word, each with its source (title and §N of the paragraph).\n\n"
        "<b>Context</b> shows the whole paragraph of the first excerpt, <b>More excerpts</b> "
        "the next results.\n\n"
        "In a group: <code>/ask your question</code>, or mention me, or reply to one of my "
        "messages.\n"
        "Anywhere else: type <code>@{username} your question</code> in any chat.\n\n"
        "/sources: the indexed articles",
        "ask_empty": "Ask your question as text, for example:\n<i>{example}</i>\n"
        "In a group: <code>/ask your question</code>.",
        "not_text": "Send me a question as text: I do not read pictures, stickers or voice "
        "messages.",
        "no_answer": "The articles do not answer this question: I have nothing to quote. Try "
        "other words, or see /sources for the articles I have read.",
        "sorry": "Sorry, something went wrong on my side. Please try again in a moment.",
        "paragraphs": {"one": "{count} paragraph", "other": "{count} paragraphs"},
        "sources_title": {"one": "<b>{count} indexed article</b>",
                          "other": "<b>{count} indexed articles</b>"},
        "more_sources": "… and {count} more",
        "button_context": "Context",
        "button_more": "More excerpts",
        "button_back": "↩ Excerpts",
        "gone": "This answer is no longer available: please ask the question again.",
        "command_start": "What the bot does",
        "command_help": "Help",
        "command_sources": "The indexed articles",
        "command_ask": "Ask a question (in groups)",
        "article_added": {"one": "{document}: “{title}”, {count} paragraph",
                          "other": "{document}: “{title}”, {count} paragraphs"},
        "article_added_html": {
            "one": "Article added: <b>{title}</b> — {count} paragraph. Ask away!"
            "\nTo remove it: <code>/remove {document}</code>",
            "other": "Article added: <b>{title}</b> — {count} paragraphs. Ask away!"
            "\nTo remove it: <code>/remove {document}</code>",
        },
        "article_removed": "Article removed: {document} (the file is kept in {folder})",
        "not_admin": "Sorry, only this bot's administrators can add or remove articles. Ask me "
        "a question as text about the articles of /sources instead.",
        "add_usage": "Send <code>/add</code> followed by the article's link, the link alone, or "
        "the .html, .txt or .md file.",
        "remove_usage": "Send <code>/remove</code> followed by the article's id (see /sources).",
        "article_no_file": "no such file: {name}",
        "article_unreadable_file": "cannot read {name}: {error}",
        "article_file_type": "{name}: only {types} files can be added",
        "article_binary": "this is not text (a binary file): nothing added",
        "article_not_utf8": "{name} is not UTF-8 text: nothing added",
        "article_bad_encoding": "the page cannot be read in its encoding ({charset}): nothing "
        "added",
        "article_no_text": "no article text found: nothing added",
        "article_not_http": "only http:// and https:// links can be added: {url}",
        "article_unreachable": "cannot reach {host}: nothing added",
        "article_private_address": "{host} is a local or private address: refused "
        "(ALLOW_PRIVATE_URLS=true allows it)",
        "article_timeout": "the page did not answer within {seconds} s: nothing added",
        "article_too_many_redirects": "more than {count} redirects: nothing added",
        "article_http_status": "the site answered {status}: nothing added",
        "article_content_type": "this is not a text page ({type}): nothing added",
        "article_too_large": "more than {megabytes} MB: too long for an article, nothing added",
        "article_no_document": "no article “{document}” (see /sources)",
        "article_not_a_feed": "{url} is not a readable RSS or Atom feed",
        "feed_polled": "{feed}: {added} new, {updated} updated, {failed} failed",
    },
}


def language(code: str | None) -> str:
    """The interface language for a user's language code: English for en*, else French."""
    return "en" if code and code.lower().startswith("en") else "fr"


def text(key: str, lang: str = "fr", **values: object) -> str:
    """A message in the given language (French when the key has no translation); a `count`
    value picks the plural form and is written as that language writes numbers."""
    template = MESSAGES.get(lang, MESSAGES["fr"]).get(key) or MESSAGES["fr"][key]
    count = values.get("count")
    if isinstance(template, dict):
        template = template[Locale.parse(lang).plural_form(count)]
    if isinstance(count, int):
        values["count"] = format_decimal(count, locale=lang)
    return template.format(**values) if values else template
