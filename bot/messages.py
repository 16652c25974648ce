"""What the bot says in its own words, in French (default) and English. Quotes stay as written.

A message that counts something has one text per plural category of CLDR's rules ("one",
"other"), chosen by Babel: French says "0 article", "1 article", "2 articles"; English
"0 articles", "1 article". Counts are written the language's way ("100 000", "100,000").
"""

from __future__ import annotations

import os
import re

from babel import Locale
from babel.numbers import format_decimal
from babel.units import format_unit

Template = str | dict[str, str]  # a text, or a text per plural category

MESSAGES: dict[str, dict[str, Template]] = {
    "fr": {
        "no_answer_cli": "Les articles ne répondent pas à cette question : aucun extrait ne "
        "la cite. Essayez d'autres mots.",
        "unsure_cli": "Pas de réponse sûre dans les articles. Les passages les plus proches, "
        "qui ne répondent peut-être pas :",
        "nearest_label": "passage proche, pas une réponse sûre",
        "greeting": "Bonjour ! Posez-moi une question sur les articles : je réponds en les "
        "citant.",
        "thanks": "Avec plaisir ! Une autre question sur les articles ?",
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
        # The command line's own words (its language: the terminal's locale, as `language`).
        "cli_error": "erreur : {message}",
        "cli_description": "Répond aux questions sur des articles en les citant mot pour mot : "
        "en local (ask, chat), sur Telegram (run) ; ajoute et retire des articles (add, "
        "remove), construit l'index (index), mesure les réponses (eval).",
        "cli_help_help": "affiche cette aide et quitte",
        "cli_help_version": "affiche la version et quitte",
        "cli_help_ask": "répond à une question (ou « - » : une par ligne sur l'entrée standard)",
        "cli_help_question": "la question, ou « - » pour lire l'entrée standard",
        "cli_help_json": "un objet JSON par question",
        "cli_help_chat": "pose des questions en boucle (lit l'entrée standard jusqu'au bout)",
        "cli_help_run": "lance le bot Telegram (long polling ou webhook)",
        "cli_help_webhook": "sert un webhook au lieu d'interroger Telegram",
        "cli_help_corpus": "dossier des articles (par défaut : CORPUS_DIR, sinon "
        "DATA_DIR/articles)",
        "cli_help_top_k": "nombre maximal d'extraits (par défaut : TOP_K, sinon 3)",
        "cli_help_eval": "mesure les réponses sur un jeu de questions",
        "cli_help_squad": "fichier JSON au format SQuAD (par exemple PIAF)",
        "cli_help_dev": "lignes JSON : question, extraits attendus",
        "cli_help_translated": "avec --squad : lignes JSON de ses questions écrites en "
                               "anglais (piaf : le numéro de l'original, question)",
        "cli_help_typed": "avec --squad : lignes JSON de ses questions tapées comme le font "
                          "les gens, sans accents et avec une faute de frappe (piaf, question ; "
                          "benchmarks/typed_questions.py)",
        "cli_help_add": "ajoute un article : le lien d'une page web, ou un fichier .html, .txt "
        "ou .md (la même adresse une seconde fois le remplace)",
        "cli_help_source": "lien http(s) ou chemin du fichier",
        "cli_help_remove": "retire un article du corpus, vers le dossier {folder}/ du corpus",
        "cli_help_document": "l'identifiant de l'article (le nom de son fichier sans extension)",
        "cli_help_index": "indexe le corpus : le cache de l'index en mémoire, ou des bases "
        "Xapian DIR/shard-0 … avec --xapian DIR",
        "cli_help_xapian": "construit les bases Xapian dans DIR",
        "cli_help_shards": "nombre de bases Xapian (par défaut : 1)",
        "cli_help_update": "ne réindexe que les articles modifiés, ajoutés et retirés",
        "cli_top_k_range": "--top-k doit être compris entre {low} et {high}",
        "cli_shards_need_xapian": "--shards et --update vont avec --xapian DIR",
        "cli_help_feeds": "relève une fois les flux de FEEDS : enregistre leurs entrées nouvelles "
        "et mises à jour comme articles",
        "cli_feeds_not_set": "FEEDS n'est pas défini : les flux RSS ou Atom à relever (voir "
        ".env.example)",
        "cli_update_keeps_shards": "--update garde les fragments des bases : pas de --shards",
        "cli_shards_range": "--shards doit être compris entre 1 et {high}",
        "cli_indexed": {
            "one": "{count} article indexé, {passages} passages (le cache de l'index en mémoire)",
            "other": "{count} articles indexés, {passages} passages (le cache de l'index en "
            "mémoire)",
        },
        "cli_updated": "{directory} mis à jour : {added} ajoutés, {changed} modifiés, {removed} "
        "retirés, {unchanged} inchangés ({seconds} s)",
        "cli_built": "{shards} base(s) Xapian construite(s) depuis {corpus} : {articles} "
        "articles, {passages} passages ({seconds} s)",
        "cli_shard": "  {path} : {articles} articles, {passages} passages",
        # Settings that cannot be used: printed on the terminal, never sent to a chat.
        "setting_not_number": "{name} doit être un nombre entier, pas {raw}",
        "setting_range": "{name} doit être compris entre {low} et {high}, pas {value}",
        "setting_choice": "{name} doit valoir {choices}, pas {raw}",
        "setting_admins": "ADMIN_USER_IDS doit donner des identifiants d'utilisateurs Telegram "
        "(des nombres) séparés par des virgules, pas {raw}",
        "setting_flag": "{name} doit valoir true ou false, pas {raw}",
        "setting_private_urls": "ALLOW_PRIVATE_URLS doit valoir true, false ou des adresses IP et "
        "des réseaux séparés par des virgules, pas {raw}",
        "setting_feeds_file": "FEEDS : la liste des flux {path} ne peut pas être lue ({error})",
        "setting_feeds": "FEEDS doit donner des adresses de flux http:// ou https://, pas {raw}",
        "setting_api_url": "TELEGRAM_API_BASE_URL doit être une adresse http:// ou https://, "
        "comme http://localhost:8081/bot",
        "setting_databases_empty": "XAPIAN_DATABASES a une entrée vide : écrivez les chemins des "
        "bases et les fragments tcp://HÔTE:PORT séparés par une seule virgule",
        "setting_databases": "XAPIAN_DATABASES : {spec} n'est ni tcp://HÔTE:PORT (un port de 1 à "
        "65535) ni un chemin local",
        "setting_databases_missing": "INDEX_BACKEND=xapian demande XAPIAN_DATABASES : les bases "
        "(DIR/shard-0,...) ou les fragments (tcp://HÔTE:PORT,...) d'où répondre",
        "setting_no_token": "TELEGRAM_BOT_TOKEN n'est pas défini : créez un bot avec @BotFather "
        "et mettez son jeton dans TELEGRAM_BOT_TOKEN (environnement ou .env)",
        "setting_bad_token": "TELEGRAM_BOT_TOKEN est mal formé : les jetons de @BotFather "
        "ressemblent à 123456789:AAE..., 35 caractères après les deux-points",
        "setting_no_webhook_url": "WEBHOOK_URL doit être défini pour servir un webhook "
        "(l'adresse HTTPS publique où Telegram envoie les mises à jour)",
        "setting_webhook_secret": "WEBHOOK_SECRET_TOKEN doit valoir de 1 à 256 lettres, chiffres, "
        "_ ou -, pour que Telegram seul puisse envoyer des mises à jour au webhook",
        "corpus_no_folder": "dossier d'articles introuvable : {folder}",
        "corpus_no_articles": "aucun article .txt ou .md lisible dans {folder}",
        "corpus_no_database": "aucune base Xapian dans {directory} : construisez-la avec "
        "python -m bot index --xapian {directory}",
        "article_private_address_cli": "{host} est une adresse locale ou privée : refusé "
        "(ALLOW_PRIVATE_URLS=true l'autorise)",
        "article_no_document_cli": "aucun article « {document} » dans le corpus",
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
        "unsure": "<b>Pas de réponse sûre</b> dans les articles. Les passages les plus "
        "proches, qui ne répondent peut-être pas :",
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
        "article_private_address": "{host} est une adresse locale ou privée : refusé",
        "article_timeout": "la page n'a pas répondu en {seconds} s : rien n'est ajouté",
        "article_too_many_redirects": "plus de {count} redirections : rien n'est ajouté",
        "article_http_status": "le site a répondu {status} : rien n'est ajouté",
        "article_content_type": "ce n'est pas une page de texte ({type}) : rien n'est ajouté",
        "article_too_large": "plus de {size} : trop long pour un article, rien n'est ajouté",
        "article_no_document": "aucun article « {document} » (voir /sources)",
        "article_already_removed": "l'article « {document} » est déjà retiré",
        "article_not_a_file": "{name} n'est pas un fichier ordinaire : rien n'est ajouté",
        "article_too_complex": "la page a plus de {elements} éléments : trop pour en extraire "
        "l'article, rien n'est ajouté",
        "article_extract_timeout": "l'article n'a pas pu être extrait de la page en {seconds} s "
        ": rien n'est ajouté",
        "article_not_a_feed": "{url} n'est pas un flux RSS ou Atom lisible",
        "feed_polled": "{feed} : {added} nouveaux, {updated} mis à jour, {failed} en échec",
    },
    "en": {
        "no_answer_cli": "The articles do not answer this question: nothing to quote. Try "
        "other words.",
        "unsure_cli": "No sure answer in the articles. The nearest passages, which may not "
        "answer:",
        "nearest_label": "nearest passage, not a sure answer",
        "greeting": "Hello! Ask me a question about the articles: I answer by quoting them.",
        "thanks": "You are welcome! Another question about the articles?",
        "chat_intro": {
            "one": "{count} article indexed. Ask a question; “quit” or Ctrl-D to leave.",
            "other": "{count} articles indexed. Ask a question; “quit” or Ctrl-D to leave.",
        },
        "telegram_hint": "No TELEGRAM_BOT_TOKEN: starting the local harness. To connect "
        "Telegram, create a bot with @BotFather, put its token in TELEGRAM_BOT_TOKEN (.env "
        "file), then run `make run` again.",
        "empty_question": "The question is empty.",
        "not_utf8": "line {line} is not UTF-8 text: skipped",
        "cli_error": "error: {message}",
        "cli_description": "Answers questions about articles by quoting them word for word: "
        "locally (ask, chat), on Telegram (run); adds and removes articles (add, remove), "
        "builds the index (index), measures answers (eval).",
        "cli_help_help": "show this help and exit",
        "cli_help_version": "show the version and exit",
        "cli_help_ask": "answer one question (or '-' for one per line on stdin)",
        "cli_help_question": "the question, or '-' to read stdin",
        "cli_help_json": "one JSON object per question",
        "cli_help_chat": "ask questions in a loop (reads stdin to EOF)",
        "cli_help_run": "run the Telegram bot (long polling or webhook)",
        "cli_help_webhook": "serve a webhook instead of polling",
        "cli_help_corpus": "corpus folder (default: CORPUS_DIR, else DATA_DIR/articles)",
        "cli_help_top_k": "how many excerpts at most (default: TOP_K, else 3)",
        "cli_help_eval": "measure answers on a question set",
        "cli_help_squad": "SQuAD-format JSON file (e.g. PIAF)",
        "cli_help_dev": "JSON lines: question, expected substrings",
        "cli_help_translated": "with --squad: JSON lines of its questions written in English "
                               "(piaf: the original's number, question)",
        "cli_help_typed": "with --squad: JSON lines of its questions as users type them, "
                          "without accents and with a typo (piaf, question; "
                          "benchmarks/typed_questions.py)",
        "cli_help_add": "add an article: a web page's link, or a .html, .txt or .md file (the "
        "same url again replaces it)",
        "cli_help_source": "http(s) link or file path",
        "cli_help_remove": "move an article out of the corpus, into the folder's {folder}/",
        "cli_help_document": "the article's id (its file name without extension)",
        "cli_help_index": "index the corpus: the memory index's cache, or Xapian databases "
        "DIR/shard-0 ... with --xapian DIR",
        "cli_help_xapian": "build Xapian databases in DIR",
        "cli_help_shards": "how many Xapian databases (default: 1)",
        "cli_help_update": "re-index only the changed, added and removed articles",
        "cli_top_k_range": "--top-k must be between {low} and {high}",
        "cli_shards_need_xapian": "--shards and --update go with --xapian DIR",
        "cli_help_feeds": "poll the news feeds of FEEDS once: save their new and updated entries "
        "as articles",
        "cli_feeds_not_set": "FEEDS is not set: the RSS or Atom feeds to poll (see .env.example)",
        "cli_update_keeps_shards": "--update keeps the databases' shards: no --shards",
        "cli_shards_range": "--shards must be between 1 and {high}",
        "cli_indexed": {
            "one": "indexed {count} article, {passages} passages (the memory index's cache)",
            "other": "indexed {count} articles, {passages} passages (the memory index's cache)",
        },
        "cli_updated": "updated {directory}: {added} added, {changed} changed, {removed} "
        "removed, {unchanged} unchanged ({seconds} s)",
        "cli_built": "built {shards} Xapian database(s) from {corpus}: {articles} articles, "
        "{passages} passages ({seconds} s)",
        "cli_shard": "  {path}: {articles} articles, {passages} passages",
        "setting_not_number": "{name} must be a whole number, not {raw}",
        "setting_range": "{name} must be between {low} and {high}, not {value}",
        "setting_choice": "{name} must be one of {choices}, not {raw}",
        "setting_admins": "ADMIN_USER_IDS must be Telegram user ids (numbers) separated by "
        "commas, not {raw}",
        "setting_flag": "{name} must be true or false, not {raw}",
        "setting_private_urls": "ALLOW_PRIVATE_URLS must be true, false or IP addresses and "
        "networks separated by commas, not {raw}",
        "setting_feeds_file": "FEEDS: cannot read the list of feeds {path} ({error})",
        "setting_feeds": "FEEDS must be http:// or https:// feed urls, not {raw}",
        "setting_api_url": "TELEGRAM_API_BASE_URL must be an http:// or https:// address, such "
        "as http://localhost:8081/bot",
        "setting_databases_empty": "XAPIAN_DATABASES has an empty entry: write database paths "
        "and tcp://HOST:PORT shards separated by single commas",
        "setting_databases": "XAPIAN_DATABASES: {spec} is neither tcp://HOST:PORT (a port from 1 "
        "to 65535) nor a local path",
        "setting_databases_missing": "INDEX_BACKEND=xapian needs XAPIAN_DATABASES: the databases "
        "(DIR/shard-0,...) or shards (tcp://HOST:PORT,...) to answer from",
        "setting_no_token": "TELEGRAM_BOT_TOKEN is not set: create a bot with @BotFather and put "
        "its token in TELEGRAM_BOT_TOKEN (environment or .env)",
        "setting_bad_token": "TELEGRAM_BOT_TOKEN is malformed: @BotFather's tokens look like "
        "123456789:AAE..., 35 characters after the colon",
        "setting_no_webhook_url": "WEBHOOK_URL must be set to run a webhook (the public HTTPS "
        "address that Telegram posts updates to)",
        "setting_webhook_secret": "WEBHOOK_SECRET_TOKEN must be set to 1 to 256 letters, digits, "
        "_ or -, so that only Telegram can post updates to the webhook",
        "corpus_no_folder": "corpus folder not found: {folder}",
        "corpus_no_articles": "no readable .txt or .md article in {folder}",
        "corpus_no_database": "no Xapian database in {directory}: build one with python -m bot "
        "index --xapian {directory}",
        "article_private_address_cli": "{host} is a local or private address: refused "
        "(ALLOW_PRIVATE_URLS=true allows it)",
        "article_no_document_cli": "no article “{document}” in the corpus",
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
        "unsure": "<b>No sure answer</b> in the articles. The nearest passages, which may not "
        "answer:",
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
        "article_private_address": "{host} is a local or private address: refused",
        "article_timeout": "the page did not answer within {seconds} s: nothing added",
        "article_too_many_redirects": "more than {count} redirects: nothing added",
        "article_http_status": "the site answered {status}: nothing added",
        "article_content_type": "this is not a text page ({type}): nothing added",
        "article_too_large": "more than {size}: too long for an article, nothing added",
        "article_no_document": "no article “{document}” (see /sources)",
        "article_already_removed": "the article “{document}” is already removed",
        "article_not_a_file": "{name} is not a regular file: nothing added",
        "article_too_complex": "the page has more than {elements} elements: too many to extract "
        "its article, nothing added",
        "article_extract_timeout": "the article could not be extracted from the page within "
        "{seconds} s: nothing added",
        "article_not_a_feed": "{url} is not a readable RSS or Atom feed",
        "feed_polled": "{feed}: {added} new, {updated} updated, {failed} failed",
    },
}


def language(code: str | None) -> str:
    """The interface language for a user's language code: English for en*, else French."""
    return "en" if code and code.lower().startswith("en") else "fr"


def terminal_language() -> str:
    """The command line's language, from the locale as the C library reads it (LC_ALL, then
    LC_MESSAGES, then LANG): English for en*, else French, as the bot chooses for a user."""
    code = next((os.environ[name] for name in ("LC_ALL", "LC_MESSAGES", "LANG")
                 if os.environ.get(name)), None)
    return language(code)


def text(key: str, lang: str = "fr", **values: object) -> str:
    """A message in the given language (French when the key has no translation); a `count`
    value picks the plural form and is written as that language writes numbers."""
    template = MESSAGES.get(lang, MESSAGES["fr"]).get(key) or MESSAGES["fr"][key]
    count = values.get("count")
    if isinstance(template, dict):
        template = template[Locale.parse(lang).plural_form(count)]  # type: ignore[arg-type]
    if isinstance(count, int):
        values["count"] = format_decimal(count, locale=lang)
    if isinstance(size := values.pop("bytes", None), int):
        values["size"] = data_size(size, lang)
    return template.format(**values) if values else template


def data_size(count: int, lang: str = "fr") -> str:
    """A size as that language writes it, in megabytes from one up, else in kilobytes, to a
    tenth (« 5 Mo », "4 kB", « 1,5 Mo »): ARTICLE_MAX_BYTES may be set below a megabyte."""
    megabytes = count / 2**20
    value, unit = ((megabytes, "digital-megabyte") if megabytes >= 1
                   else (count / 2**10, "digital-kilobyte"))
    return format_unit(round(value, 1), unit, length="short", locale=lang)


# Messages that are greetings or thanks, not questions, in French and English: the whole
# message, bar punctuation, emoji and a name after them.
_GREETING = re.compile(r"(bonjour|bonsoir|salut|coucou|hello|hi|hey|good (morning|evening))"
                       r"(\s+\w+)?", re.I)
_THANKS = re.compile(r"(merci|thanks?|thank you|thx)(\s+(beaucoup|bien|a lot|very much|"
                     r"à vous|à toi))?(\s+\w+)?", re.I)


def small_talk(message: str) -> str | None:
    """The key of the friendly reply to a greeting ("greeting") or thanks ("thanks"), or None
    when the message is something else (a question)."""
    words = re.sub(r"[^\w\s'’-]", " ", message).strip()
    for key, pattern in (("greeting", _GREETING), ("thanks", _THANKS)):
        if pattern.fullmatch(" ".join(words.split())):
            return key
    return None
