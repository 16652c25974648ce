"""The command line: `python -m bot [ask|chat|run|eval|add|remove|feeds|index]`, the local
harness of the bot and the way to add articles."""

from __future__ import annotations

import argparse
import json
import logging
import shutil
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TextIO

import retrieval
from retrieval import (REMOVED_FOLDER, Answer, AnswerEngine, ArticleError, CorpusError,
                       IndexUnavailable, Previous, build_xapian, update_xapian)

from ..messages import text
from ..settings import TOP_K_RANGE, Settings, SettingsError, load_settings
from .render import answer_json, printable, render_terminal

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


def build_parser() -> ArgumentParser:
    parser = ArgumentParser(prog="python -m bot", description=__doc__)
    commands = parser.add_subparsers(dest="command")

    ask = commands.add_parser("ask", help="answer one question (or '-' for one per line on stdin)")
    ask.add_argument("question", nargs="+", help="the question, or '-' to read stdin")
    ask.add_argument("--json", action="store_true", help="one JSON object per question")
    _engine_options(ask)

    chat = commands.add_parser("chat", help="ask questions in a loop (reads stdin to EOF)")
    _engine_options(chat)

    run = commands.add_parser("run", help="run the Telegram bot (long polling or webhook)")
    run.add_argument("--webhook", action="store_true", help="serve a webhook instead of polling")
    run.add_argument("--corpus", type=Path, help="corpus folder (default: CORPUS_DIR or seeds/)")

    evaluate = commands.add_parser("eval", help="measure answers on a question set")
    source = evaluate.add_mutually_exclusive_group(required=True)
    source.add_argument("--squad", type=Path, help="SQuAD-format JSON file (e.g. PIAF)")
    source.add_argument("--dev", type=Path, help="JSON lines: question, expected substrings")
    evaluate.add_argument("--corpus", type=Path, help="corpus folder for --dev")

    add = commands.add_parser("add", help="add an article: a web page's link, or a .html, .txt "
                              "or .md file (the same url again replaces it)")
    add.add_argument("source", help="http(s) link or file path")
    add.add_argument("--corpus", type=Path, help="corpus folder (default: CORPUS_DIR or seeds/)")

    remove = commands.add_parser("remove", help="move an article out of the corpus, into the "
                                 f"folder's {REMOVED_FOLDER}/")
    remove.add_argument("document", help="the article's id (its file name without extension)")
    remove.add_argument("--corpus", type=Path, help="corpus folder (default: CORPUS_DIR or seeds/)")

    feeds = commands.add_parser("feeds", help="poll the news feeds of FEEDS once: save their new "
                                "and updated entries as articles")
    feeds.add_argument("--corpus", type=Path, help="corpus folder (default: CORPUS_DIR or seeds/)")

    index = commands.add_parser("index", help="index the corpus: the memory index's cache, or "
                                "Xapian databases DIR/shard-0 ... with --xapian DIR")
    index.add_argument("--xapian", type=Path, metavar="DIR", help="build Xapian databases in DIR")
    index.add_argument("--shards", type=int, help="how many Xapian databases (default: 1)")
    index.add_argument("--update", action="store_true",
                       help="re-index only the changed, added and removed articles")
    index.add_argument("--corpus", type=Path, help="corpus folder (default: CORPUS_DIR or seeds/)")
    return parser


def _engine_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--corpus", type=Path, help="corpus folder (default: CORPUS_DIR or seeds/)")
    parser.add_argument("--top-k", type=int, help="how many excerpts at most (default: TOP_K or 3)")


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


def _top_k(args: argparse.Namespace, settings: Settings) -> int:
    top_k = args.top_k if args.top_k is not None else settings.top_k
    low, high = TOP_K_RANGE
    if not low <= top_k <= high:
        raise UsageError(f"--top-k must be between {low} and {high}")
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
        raise UsageError(text("empty_question"))
    engine = _engine(args, settings)
    if question != "-":
        answer = engine.answer(question, top_k)
        if args.json:
            print(json.dumps(answer_json(answer), ensure_ascii=False))
        else:
            print(render_terminal(answer, color=sys.stdout.isatty(), width=_width()))
        return 0
    for n, line in enumerate(stdin_lines(sys.stdin), start=1):
        if isinstance(line, UnicodeDecodeError):
            error = text("not_utf8", line=n)
            print(json.dumps({"line": n, "error": error}, ensure_ascii=False) if args.json
                  else f"error: {error}\n", flush=True)
            continue
        answer = _answer(engine, question_of(line), top_k)
        if isinstance(answer, str):
            print(json.dumps({"question": question_of(line), "error": answer}, ensure_ascii=False)
                  if args.json else f"error: {answer}\n", flush=True)
            continue
        if args.json:
            print(json.dumps(answer_json(answer), ensure_ascii=False), flush=True)
        else:
            print(f"? {printable(answer.question)}\n{render_terminal(answer)}\n", flush=True)
    return 0


def cmd_chat(args: argparse.Namespace, settings: Settings) -> int:
    """An interactive loop with line editing and history; with stdin not a terminal, answers
    each line until EOF. A question that leans on the one before (« et pourquoi ? ») is read
    with it."""
    top_k = _top_k(args, settings)
    engine = _engine(args, settings)
    if sys.stdin.isatty():
        import readline  # noqa: F401  (input() gains line editing and history)

        print(text("chat_intro", count=len(engine.articles)))
        questions: Iterable[str | UnicodeDecodeError] = _prompted()
    else:
        questions = stdin_lines(sys.stdin)
    previous: Previous | None = None  # the conversation so far, in memory only
    for n, question in enumerate(questions, start=1):
        if isinstance(question, UnicodeDecodeError):
            print(f"error: {text('not_utf8', line=n)}\n", flush=True)
            continue
        if question.strip().casefold() in QUIT_WORDS:
            break
        if not question.strip():
            continue
        if not sys.stdin.isatty():
            print(f"? {printable(question)}")
        answer = _answer(engine, question, top_k, previous)
        if isinstance(answer, str):
            print(f"error: {answer}\n", flush=True)
            continue
        previous = answer.conversation
        print(render_terminal(answer, color=sys.stdout.isatty(), width=_width()) + "\n",
              flush=True)
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
    """Print answer-in-excerpt rates for a question set."""
    from retrieval import evaluation

    if args.squad:
        documents, questions = evaluation.load_squad(args.squad)
        report = evaluation.evaluate_squad(AnswerEngine(documents), questions)
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
    print(text("article_added", document=document.id, title=printable(document.title),
               count=len(document.paragraphs)))
    return 0


def cmd_remove(args: argparse.Namespace, settings: Settings) -> int:
    """Move an article out of the corpus; it is kept in the folder's .removed/."""
    moved = retrieval.remove_article(args.corpus or settings.corpus_dir, args.document)
    print(text("article_removed", document=args.document, folder=moved.parent))
    return 0


def cmd_feeds(args: argparse.Namespace, settings: Settings) -> int:
    """Poll every feed once; print what each gave, and why a feed or an entry failed. Status 1
    when a feed could not be read."""
    if not settings.feeds:
        raise UsageError("FEEDS is not set: the RSS or Atom feeds to poll (see .env.example)")
    poller = retrieval.FeedPoller(settings.feeds, args.corpus or settings.corpus_dir,
                                  settings.feeds_interval, settings.allow_private_urls)
    status = 0
    for report in poller.poll():
        if report.error:
            status = 1
            print(f"error: {report.feed}: "
                  f"{printable(text(f'article_{report.error.reason}', **report.error.values))}")
            continue
        print(text("feed_polled", feed=report.feed, added=len(report.added),
                   updated=len(report.updated), failed=len(report.failed)))
        for document in report.added + report.updated:
            print(f"  {document.id}: {printable(document.title)}")
        for link, error in report.failed.items():
            print(f"  error: {link}: {printable(text(f'article_{error.reason}', **error.values))}")
    return status


def cmd_index(args: argparse.Namespace, settings: Settings) -> int:
    """Build the index ahead of time: Xapian databases with --xapian DIR (all of them, or only
    what changed with --update), else the memory index's cache; print what was built."""
    corpus = args.corpus or settings.corpus_dir
    if args.xapian is None:
        if args.shards is not None or args.update:
            raise UsageError("--shards and --update go with --xapian DIR")
        engine = AnswerEngine.from_folder(corpus, settings.index)
        print(f"indexed {len(engine.articles)} articles, {engine.passage_count()} passages "
              f"(the memory index's cache)")
        return 0
    if args.update:
        if args.shards is not None:
            raise UsageError("--update keeps the databases' shards: no --shards")
        report = update_xapian(args.xapian, corpus)
        print(f"updated {args.xapian}: {report.added} added, {report.changed} changed, "
              f"{report.removed} removed, {report.unchanged} unchanged "
              f"({report.seconds:.1f} s)")
    else:
        if args.shards is not None and not 1 <= args.shards <= MAX_SHARDS:
            raise UsageError(f"--shards must be between 1 and {MAX_SHARDS}")
        report = build_xapian(args.xapian, corpus, args.shards or 1)
        print(f"built {len(report.shards)} Xapian database(s) from {corpus}: "
              f"{sum(a for _, a, _ in report.shards)} articles, "
              f"{sum(n for _, _, n in report.shards)} passages ({report.seconds:.1f} s)")
    for path, articles, passages in report.shards:
        print(f"  {path}: {articles} articles, {passages} passages")
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
        if args.command is None:
            args = _default_command(settings)
        # The bot logs what it does; the local harness only what needs attention.
        default_level = "INFO" if args.command == "run" else "WARNING"
        logging.basicConfig(level=settings.log_level or default_level,
                            format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)
        if args.command == "chat" and not settings.telegram_bot_token:
            print(text("telegram_hint"), file=sys.stderr)
        return COMMANDS[args.command](args, settings)
    except UsageError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except ArticleError as e:
        print(f"error: {printable(text(f'article_{e.reason}', **e.values))}", file=sys.stderr)
        return 1
    except (CorpusError, SettingsError, OSError, ValueError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
