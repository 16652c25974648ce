"""The command line: `citebot [ask|chat|run|eval|add|remove|feeds|index]` (or `python -m bot ...`), the
local harness of the bot and the way to add articles. It speaks the terminal's language (the
locale: English for en*, else French), as the bot speaks each user's."""

from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TextIO

import retrieval
from retrieval import (REMOVED_FOLDER, Answer, AnswerEngine, ArticleError, CorpusError,
                       IndexUnavailable, Previous, build_xapian, set_article_max_bytes,
                       update_xapian)

from ..logs import configure_logging
from ..messages import MESSAGES, small_talk, terminal_language, text
from ..settings import TOP_K_RANGE, Settings, SettingsError, load_settings
from .render import answer_json, printable, render_terminal, small_talk_json

log = logging.getLogger("bot")


# More shards than this is a typo, not an archive (each is a database and a server).
MAX_SHARDS = 1024
# Words that end the chat, as in most shells and REPLs.
QUIT_WORDS = ("quit", "exit", "quitter")


class UsageError(Exception):
    """Bad input on the command line: one line to the user, exit status 2."""


class ArgumentParser(argparse.ArgumentParser):
    """argparse that raises instead of printing usage and exiting, so errors stay one line."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(message)


def _t(key: str, **values: object) -> str:
    """A message of the command line, in the terminal's language."""
    return text(key, terminal_language(), **values)


def _program() -> str:
    """How the command was called: `citebot` (the console script) or `python -m bot`."""
    name = Path(sys.argv[0]).name if sys.argv and sys.argv[0] else ""
    return "python -m bot" if name in ("", "__main__.py", "-c") else name


class _Version(argparse.Action):
    """--version: the installed version, looked up only when asked (importlib.metadata costs
    every `ask` 20 ms otherwise)."""

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace,
                 values: object, option_string: str | None = None) -> None:
        from importlib.metadata import version

        print(f"{parser.prog} {version('citebot')}")
        parser.exit()


def _command(commands: argparse._SubParsersAction, name: str, help: str) -> ArgumentParser:
    parser = commands.add_parser(name, help=help, description=help, add_help=False)
    parser.add_argument("-h", "--help", action="help", help=_t("cli_help_help"))
    return parser


def build_parser() -> ArgumentParser:
    """The command line's options, described in the terminal's language."""
    parser = ArgumentParser(prog=_program(), description=_t("cli_description"), add_help=False)
    parser.add_argument("-h", "--help", action="help", help=_t("cli_help_help"))
    parser.add_argument("--version", action=_Version, nargs=0, help=_t("cli_help_version"))
    commands = parser.add_subparsers(dest="command")

    ask = _command(commands, "ask", _t("cli_help_ask"))
    ask.add_argument("question", nargs="+", help=_t("cli_help_question"))
    ask.add_argument("--json", action="store_true", help=_t("cli_help_json"))
    _engine_options(ask)

    chat = _command(commands, "chat", _t("cli_help_chat"))
    _engine_options(chat)

    run = _command(commands, "run", _t("cli_help_run"))
    run.add_argument("--webhook", action="store_true", help=_t("cli_help_webhook"))
    run.add_argument("--corpus", type=Path, help=_t("cli_help_corpus"))

    evaluate = _command(commands, "eval", _t("cli_help_eval"))
    source = evaluate.add_mutually_exclusive_group(required=True)
    source.add_argument("--squad", type=Path, help=_t("cli_help_squad"))
    source.add_argument("--dev", type=Path, help=_t("cli_help_dev"))
    evaluate.add_argument("--corpus", type=Path, help=_t("cli_help_corpus"))
    evaluate.add_argument("--translated", type=Path, help=_t("cli_help_translated"))
    evaluate.add_argument("--typed", type=Path, help=_t("cli_help_typed"))

    add = _command(commands, "add", _t("cli_help_add"))
    add.add_argument("source", help=_t("cli_help_source"))
    add.add_argument("--corpus", type=Path, help=_t("cli_help_corpus"))

    remove = _command(commands, "remove", _t("cli_help_remove", folder=REMOVED_FOLDER))
    remove.add_argument("document", help=_t("cli_help_document"))
    remove.add_argument("--corpus", type=Path, help=_t("cli_help_corpus"))

    feeds = _command(commands, "feeds", _t("cli_help_feeds"))
    feeds.add_argument("--corpus", type=Path, help=_t("cli_help_corpus"))

    index = _command(commands, "index", _t("cli_help_index"))
    index.add_argument("--xapian", type=Path, metavar="DIR", help=_t("cli_help_xapian"))
    index.add_argument("--shards", type=int, help=_t("cli_help_shards"))
    index.add_argument("--update", action="store_true", help=_t("cli_help_update"))
    index.add_argument("--corpus", type=Path, help=_t("cli_help_corpus"))
    return parser


def _engine_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--corpus", type=Path, help=_t("cli_help_corpus"))
    parser.add_argument("--top-k", type=int, help=_t("cli_help_top_k"))


def _engine(args: argparse.Namespace, settings: Settings) -> AnswerEngine:
    return AnswerEngine.from_folder(args.corpus or settings.corpus_dir, settings.index)


def _answer(engine: AnswerEngine, question: str, top_k: int,
            previous: Previous | None = None) -> Answer | str:
    """The engine's answer (to a follow-up of `previous`, in a chat), or why there is none now
    (a Xapian shard down)."""
    try:
        return engine.answer(question, top_k, previous)
    except IndexUnavailable as e:
        return str(e)


def _small_talk(message: str, as_json: bool) -> str | None:
    """The friendly reply to a greeting or thanks, as text or as `ask --json`'s object; None
    for a question."""
    key = small_talk(message)
    if key is None:
        return None
    reply = _t(key)
    return json.dumps(small_talk_json(message, reply), ensure_ascii=False) if as_json else reply


def _top_k(args: argparse.Namespace, settings: Settings) -> int:
    top_k = args.top_k if args.top_k is not None else settings.top_k
    low, high = TOP_K_RANGE
    if not low <= top_k <= high:
        raise UsageError(_t("cli_top_k_range", low=low, high=high))
    return top_k


def stdin_lines(stream: TextIO) -> Iterator[str | UnicodeDecodeError]:
    """The lines of stdin without their line ends, each decoded alone: a line that is not
    UTF-8 comes as its decoding error, and the lines after it are still read."""
    raw = getattr(stream, "buffer", None)
    for line in raw if raw is not None else stream:
        if isinstance(line, bytes):
            try:
                line = line.decode("utf-8")
            except UnicodeDecodeError as e:
                yield e
                continue
        yield line.rstrip("\r\n")


def question_of(line: str) -> str:
    """The question of a stdin line: the line, or the "question" field of a JSON object."""
    if line.lstrip().startswith("{"):
        try:
            return str(json.loads(line).get("question", ""))
        except (json.JSONDecodeError, AttributeError):
            pass
    return line


def _width() -> int | None:
    """The terminal's width to wrap answers to, or None when output is not a terminal."""
    return shutil.get_terminal_size().columns if sys.stdout.isatty() else None


def cmd_ask(args: argparse.Namespace, settings: Settings) -> int:
    """Answer the question of the command line, or every line of stdin with '-'."""
    top_k = _top_k(args, settings)
    question = " ".join(args.question).strip()
    if not question:
        raise UsageError(_t("empty_question"))
    engine = _engine(args, settings)
    if question != "-":
        if (reply := _small_talk(question, args.json)) is not None:
            print(reply)
            return 0
        one = engine.answer(question, top_k)
        if args.json:
            print(json.dumps(answer_json(one), ensure_ascii=False))
        else:
            print(render_terminal(one, color=sys.stdout.isatty(), lang=terminal_language(),
                                  width=_width()))
        return 0
    for n, line in enumerate(stdin_lines(sys.stdin), start=1):
        if isinstance(line, UnicodeDecodeError):
            error = _t("not_utf8", line=n)
            print(json.dumps({"line": n, "error": error}, ensure_ascii=False) if args.json
                  else _t("cli_error", message=error) + "\n", flush=True)
            continue
        if (reply := _small_talk(question_of(line), args.json)) is not None:
            print(reply if args.json else f"? {printable(question_of(line))}\n{reply}\n",
                  flush=True)
            continue
        answer = _answer(engine, question_of(line), top_k)
        if isinstance(answer, str):
            print(json.dumps({"question": question_of(line), "error": answer}, ensure_ascii=False)
                  if args.json else _t("cli_error", message=answer) + "\n", flush=True)
            continue
        if args.json:
            print(json.dumps(answer_json(answer), ensure_ascii=False), flush=True)
        else:
            print(f"? {printable(answer.question)}\n"
                  f"{render_terminal(answer, lang=terminal_language())}\n", flush=True)
    return 0


def cmd_chat(args: argparse.Namespace, settings: Settings) -> int:
    """An interactive loop with line editing and history; with stdin not a terminal, answers
    each line until EOF. A question that leans on the one before (« et pourquoi ? ») is read
    with it."""
    top_k = _top_k(args, settings)
    engine = _engine(args, settings)
    if sys.stdin.isatty():
        import readline  # noqa: F401  (input() gains line editing and history)

        print(_t("chat_intro", count=len(engine.articles)))
        questions: Iterable[str | UnicodeDecodeError] = _prompted()
    else:
        questions = stdin_lines(sys.stdin)
    previous: Previous | None = None  # the conversation so far, in memory only
    for n, question in enumerate(questions, start=1):
        if isinstance(question, UnicodeDecodeError):
            print(_t("cli_error", message=_t("not_utf8", line=n)) + "\n", flush=True)
            continue
        if question.strip().casefold() in QUIT_WORDS:
            break
        if not question.strip():
            continue
        if not sys.stdin.isatty():
            print(f"? {printable(question)}")
        if (reply := _small_talk(question, False)) is not None:
            print(reply + "\n", flush=True)
            continue
        answer = _answer(engine, question, top_k, previous)
        if isinstance(answer, str):
            print(_t("cli_error", message=answer) + "\n", flush=True)
            continue
        previous = answer.conversation
        print(render_terminal(answer, color=sys.stdout.isatty(), lang=terminal_language(),
                              width=_width()) + "\n", flush=True)
    return 0


def _prompted() -> Iterator[str]:
    """Questions typed at the "? " prompt, until Ctrl-D or Ctrl-C (the prompt's line ended)."""
    while True:
        try:
            yield input("? ")
        except (EOFError, KeyboardInterrupt):
            print()
            return


def cmd_run(args: argparse.Namespace, settings: Settings) -> int:
    """Run the Telegram bot."""
    from ..telegram.app import run_bot

    return run_bot(settings, corpus=args.corpus, webhook=args.webhook)


def cmd_eval(args: argparse.Namespace, settings: Settings) -> int:
    """Print, per set of questions, how often the first quote and one of three are right,
    coverage and precision of the answers given, and unanswerable questions rightly refused."""
    from retrieval import evaluation

    if args.squad:
        documents, questions = evaluation.load_squad(args.squad)
        translated = (evaluation.load_translated(args.translated, questions)
                      if args.translated else None)
        typed = evaluation.load_translated(args.typed, questions) if args.typed else None
        sets = evaluation.squad_sets(documents, questions, translated, typed)
        print("\n\n".join("\n".join([f"## {name}", *lines]) for name, lines in sets))
    else:
        engine = _engine(args, settings)
        report = evaluation.evaluate_dev(engine, evaluation.load_dev(args.dev))
        print("\n".join(report.lines()))
    return 0


def cmd_add(args: argparse.Namespace, settings: Settings) -> int:
    """Save a page's or a file's article into the corpus; print its id, title and paragraph
    count. A running bot answers from it within seconds (it watches the folder)."""
    document = retrieval.add_article(args.source, args.corpus or settings.corpus_dir,
                                     settings.allow_private_urls)
    print(_t("article_added", document=document.id, title=printable(document.title),
               count=len(document.paragraphs)))
    return 0


def cmd_remove(args: argparse.Namespace, settings: Settings) -> int:
    """Move an article out of the corpus; it is kept in the folder's .removed/."""
    moved = retrieval.remove_article(args.corpus or settings.corpus_dir, args.document)
    print(_t("article_removed", document=args.document, folder=moved.parent))
    return 0


def cmd_feeds(args: argparse.Namespace, settings: Settings) -> int:
    """Poll every feed once; print what each gave, and why a feed or an entry failed. Status 1
    when a feed could not be read."""
    if not settings.feeds:
        raise UsageError(_t("cli_feeds_not_set"))
    poller = retrieval.FeedPoller(settings.feeds, args.corpus or settings.corpus_dir,
                                  settings.feeds_interval, settings.allow_private_urls)
    status = 0
    for report in poller.poll():
        if report.error:
            status = 1
            print(_t("cli_error", message=f"{report.feed}: " + printable(
                _t(f"article_{report.error.reason}", **report.error.values))))
            continue
        print(_t("feed_polled", feed=report.feed, added=len(report.added),
                   updated=len(report.updated), failed=len(report.failed)))
        for document in report.added + report.updated:
            print(f"  {document.id}: {printable(document.title)}")
        for link, error in report.failed.items():
            print("  " + _t("cli_error", message=f"{link}: " + printable(
                _t(f"article_{error.reason}", **error.values))))
    return status


def cmd_index(args: argparse.Namespace, settings: Settings) -> int:
    """Build the index ahead of time: Xapian databases with --xapian DIR (all of them, or only
    what changed with --update), else the memory index's cache; print what was built."""
    corpus = args.corpus or settings.corpus_dir
    if args.xapian is None:
        if args.shards is not None or args.update:
            raise UsageError(_t("cli_shards_need_xapian"))
        engine = AnswerEngine.from_folder(corpus, settings.index)
        print(_t("cli_indexed", count=len(engine.articles), passages=engine.passage_count()))
        return 0
    if args.update:
        if args.shards is not None:
            raise UsageError(_t("cli_update_keeps_shards"))
        report = update_xapian(args.xapian, corpus)
        print(_t("cli_updated", directory=args.xapian, added=report.added,
                 changed=report.changed, removed=report.removed, unchanged=report.unchanged,
                 seconds=f"{report.seconds:.1f}"))
    else:
        if args.shards is not None and not 1 <= args.shards <= MAX_SHARDS:
            raise UsageError(_t("cli_shards_range", high=MAX_SHARDS))
        report = build_xapian(args.xapian, corpus, args.shards or 1)
        print(_t("cli_built", shards=len(report.shards), corpus=corpus,
                 articles=sum(a for _, a, _ in report.shards),
                 passages=sum(n for _, _, n in report.shards), seconds=f"{report.seconds:.1f}"))
    for path, articles, passages in report.shards:
        print(_t("cli_shard", path=path, articles=articles, passages=passages))
    return 0


COMMANDS = {"ask": cmd_ask, "chat": cmd_chat, "run": cmd_run, "eval": cmd_eval, "add": cmd_add,
            "remove": cmd_remove, "feeds": cmd_feeds, "index": cmd_index}


def _default_command(settings: Settings) -> argparse.Namespace:
    """`python -m bot` alone: the Telegram bot when a token is set, else the local chat."""
    if settings.telegram_bot_token:
        return argparse.Namespace(command="run", corpus=None, webhook=False)
    return argparse.Namespace(command="chat", corpus=None, top_k=None)


def main(argv: list[str] | None = None) -> int:
    """Entry point: one clear line and a non-zero status for any error, never a traceback."""
    try:
        args = build_parser().parse_args(argv)
        settings = load_settings()
        set_article_max_bytes(settings.article_max_bytes)  # for every reader of the folder
        if args.command is None:
            args = _default_command(settings)
        # The bot logs what it does; the local harness only what needs attention.
        default_level = "INFO" if args.command == "run" else "WARNING"
        configure_logging(settings.log_level or default_level, settings.log_format)
        if args.command == "chat" and not settings.telegram_bot_token:
            print(_t("telegram_hint"), file=sys.stderr)
        return COMMANDS[args.command](args, settings)
    except UsageError as e:
        print(_t("cli_error", message=e), file=sys.stderr)
        return 2
    except ArticleError as e:
        print(_t("cli_error", message=printable(_article_error(e))), file=sys.stderr)
        return 1
    except BrokenPipeError:
        # The reader went away (`| head`): nothing more to say, and nowhere to say it. Python
        # would complain again when it flushes stdout at exit: stdout goes nowhere instead.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except CorpusError as e:
        print(_t("cli_error", message=_t(f"corpus_{e.reason}", **e.values)), file=sys.stderr)
        return 1
    except (SettingsError, OSError, ValueError) as e:
        print(_t("cli_error", message=e), file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


def _article_error(error: ArticleError) -> str:
    """Why an article was not added or removed, in the terminal's words (which may name a
    setting; the chat's never do)."""
    key = f"article_{error.reason}"
    return _t(f"{key}_cli" if f"{key}_cli" in MESSAGES["fr"] else key, **error.values)
