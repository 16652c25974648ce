"""The command line, the local harness: the same answers as the bot, and one clear line on error."""

import fcntl
import io
import json
import os
import pty
import re
import select
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest

from bot.terminal.cli import main

ROOT = Path(__file__).resolve().parent.parent
def run(capsys, *argv: str, stdin: str | None = None, monkeypatch=None) -> tuple[int, str, str]:
    if stdin is not None:
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def test_ask_prints_quotes_with_their_source(capsys):
    status, out, err = run(capsys, "ask", "Qui a signé la lettre ?")
    assert status == 0 and err == ""
    assert out.startswith("1. « La lettre, signée du général William H. Seely")
    title = (ROOT / "seeds" / "000_85afb7300cb9c276.txt").read_text(encoding="utf-8").split("\n")[0]
    assert f"   — {title}, §2\n" in out


def test_ask_says_when_the_articles_do_not_answer(capsys):
    status, out, _ = run(capsys, "ask", "Quelle", "est", "la", "capitale", "du", "Canada", "?")
    assert status == 0
    assert out.strip() == ("The articles do not answer this question: nothing to quote. Try "
                           "other words.")


@pytest.mark.parametrize("locale", ["fr_FR.UTF-8", "C.UTF-8", "de_DE.UTF-8"])
def test_the_command_line_speaks_french_unless_the_locale_is_english(capsys, monkeypatch,
                                                                       locale):
    monkeypatch.setenv("LANG", locale)
    status, out, _ = run(capsys, "ask", "Quelle", "est", "la", "capitale", "du", "Canada", "?")
    assert out.strip() == ("Les articles ne répondent pas à cette question : aucun extrait ne "
                           "la cite. Essayez d'autres mots.")
    assert run(capsys, "ask", "--top-k", "0", "Irak")[2] == (
        "erreur : --top-k doit être compris entre 1 et 10\n")
    assert run(capsys, "ask", " ")[2] == "erreur : La question est vide.\n"
    monkeypatch.setenv("LC_ALL", "en_GB.UTF-8")  # LC_ALL wins over LANG, as in C programs
    assert run(capsys, "ask", " ")[2] == "error: The question is empty.\n"


def test_terminal_messages_never_send_the_user_to_a_telegram_command(capsys, tmp_path):
    corpus = tmp_path / "articles"
    corpus.mkdir()
    (corpus / "a.txt").write_text("Titre\n\nUn paragraphe.\n", encoding="utf-8")
    status, _, err = run(capsys, "remove", "missing", "--corpus", str(corpus))
    assert status == 1 and err == "error: no article “missing” in the corpus\n"
    status, _, err = run(capsys, "add", "http://127.0.0.1:9/page", "--corpus", str(corpus))
    assert status == 1 and "ALLOW_PRIVATE_URLS=true" in err  # the terminal may name a setting


def test_ask_json_reads_one_question_per_line_and_answers_in_order(capsys, monkeypatch):
    lines = "Qui a signé la lettre ?\nBonjour\n{\"question\": \"Qui dirige le Pentagone ?\"}\n"
    status, out, _ = run(capsys, "ask", "--json", "--top-k", "2", "-", stdin=lines,
                         monkeypatch=monkeypatch)
    answers = [json.loads(line) for line in out.splitlines()]
    assert status == 0
    assert [a["question"] for a in answers] == ["Qui a signé la lettre ?", "Bonjour",
                                                 "Qui dirige le Pentagone ?"]
    assert [a["answered"] for a in answers] == [True, False, True]
    assert [a["outcome"] for a in answers] == ["answered", "none", "answered"]
    first = answers[0]["results"]
    assert 1 <= len(first) <= 2 and answers[0]["nearest"] == []
    result = first[0]
    assert set(result) == {"excerpt", "score", "confidence", "highlights", "source"}
    assert 0 <= result["confidence"] <= 1
    assert set(result["source"]) == {"document", "title", "url", "date", "paragraph",
                                     "start", "end"}
    text = (ROOT / "seeds" / f"{result['source']['document']}.txt").read_bytes().decode()
    assert text[result["source"]["start"]:result["source"]["end"]] == result["excerpt"]
    assert all(result["excerpt"][a:b] for a, b in result["highlights"])
    assert answers[1]["results"] == [] and answers[1]["nearest"] == []
    assert answers[1]["reply"].startswith("Hello!")  # a greeting, not a question (LANG=en_US)


# The seed article speaks of the letter but names no one who criticised it.
UNSURE = "Qui a critiqué la lettre ?"


def test_ask_unsure_says_so_and_labels_the_nearest_passages(capsys):
    status, out, _ = run(capsys, "ask", UNSURE)
    assert status == 0
    assert out.startswith("No sure answer in the articles.")  # LANG=en_US
    blocks = out.strip().split("\n\n")[1:]
    assert 1 <= len(blocks) <= 2
    assert all(b.endswith("(nearest passage, not a sure answer)") for b in blocks)


def test_ask_json_unsure_has_no_results_and_the_nearest_passages(capsys):
    status, out, _ = run(capsys, "ask", "--json", UNSURE)
    row = json.loads(out)
    assert (row["answered"], row["outcome"], row["results"]) == (False, "unsure", [])
    assert 1 <= len(row["nearest"]) <= 2
    nearest = row["nearest"][0]
    assert set(nearest) == {"excerpt", "score", "confidence", "highlights", "source"}
    assert 0 <= nearest["confidence"] <= 1
    text = (ROOT / "seeds" / f"{nearest['source']['document']}.txt").read_bytes().decode()
    assert text[nearest["source"]["start"]:nearest["source"]["end"]] == nearest["excerpt"]


def test_ask_json_nothing_near_has_neither_results_nor_nearest(capsys):
    status, out, _ = run(capsys, "ask", "--json", "Quelle est la capitale du Canada ?")
    row = json.loads(out)
    assert (row["answered"], row["outcome"], row["results"], row["nearest"]) == (
        False, "none", [], [])


@pytest.mark.parametrize("message, reply", [
    ("Bonjour !", "Hello! Ask me a question"),  # in the terminal's language (LANG=en_US)
    ("merci beaucoup", "You are welcome!"),
])
def test_greetings_and_thanks_get_a_friendly_reply(capsys, message, reply):
    status, out, _ = run(capsys, "ask", message)
    assert status == 0 and out.startswith(reply)


def test_ask_with_another_corpus(capsys, tmp_path):
    (tmp_path / "port.md").write_text("---\ntitle: Le port\nurl: https://example.org/p\n---\n\n"
                                      "Le trafic des conteneurs baisse de 12 %.\n", encoding="utf-8")
    status, out, _ = run(capsys, "ask", "--corpus", str(tmp_path), "trafic des conteneurs")
    assert status == 0
    assert "« Le trafic des conteneurs baisse de 12 %. »" in out
    assert "— Le port, §1 (https://example.org/p)" in out


def test_chat_reads_questions_until_end_of_input(capsys, monkeypatch):
    status, out, err = run(capsys, "chat", stdin="Qui a signé la lettre ?\n\nBonjour\n",
                           monkeypatch=monkeypatch)
    assert status == 0
    assert "TELEGRAM_BOT_TOKEN" in err  # says how to connect Telegram
    assert out.count("? ") == 2 and "William H. Seely" in out and "Ask me a question" in out


@pytest.mark.parametrize("argv, message, status", [
    (["ask", ""], "error: The question is empty.", 2),
    (["ask", "   "], "error: The question is empty.", 2),
    (["ask", "--top-k", "0", "Irak"], "error: --top-k must be between 1 and 10", 2),
    (["ask", "--top-k", "abc", "Irak"], "error: argument --top-k: invalid int value: 'abc'", 2),
    (["ask"], "error: the following arguments are required: question", 2),
    (["fly"], "error: argument command: invalid choice: 'fly'", 2),
    (["ask", "--corpus", "/nonexistent/folder", "Irak"],
     "error: corpus folder not found: /nonexistent/folder", 1),
])
def test_bad_input_is_one_clear_line(capsys, argv, message, status):
    code, out, err = run(capsys, *argv)
    assert code == status and out == ""
    assert len(err.strip().splitlines()) == 1 and err.startswith(message)


def test_bad_settings_are_one_clear_line(capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("TOP_K", "many")
    code, _, err = run(capsys, "ask", "Irak")
    assert code == 1 and err == "error: TOP_K must be a whole number, not 'many'\n"
    monkeypatch.setenv("TOP_K", "")
    monkeypatch.setenv("LOG_LEVEL", "loud")
    code, _, err = run(capsys, "ask", "Irak")
    assert code == 1 and err.startswith("error: LOG_LEVEL must be one of")
    monkeypatch.setenv("LOG_LEVEL", "")
    monkeypatch.setenv("CORPUS_DIR", str(tmp_path))
    code, _, err = run(capsys, "ask", "Irak")
    assert code == 1 and err == f"error: no readable .txt or .md article in {tmp_path}\n"


def test_python_m_bot_without_a_token_answers_piped_questions():
    """What `printf 'Qui dirige le Pentagone ?\\n' | make run` does, in a real process."""
    done = subprocess.run([sys.executable, "-m", "bot"], input="Qui dirige le Pentagone ?\n",
                          capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert done.returncode == 0
    assert "Mark Esper" in done.stdout and "Traceback" not in done.stderr
    assert "@BotFather" in done.stderr


def test_ask_json_answers_every_valid_line_and_reports_each_bad_one():
    lines = [b"Qui dirige le Pentagone ?", b"\xff\xfe caf\xe9 ?", "Qui a signé la lettre ?".encode(),
             b"\xed\xa0\x80 surrogate"]
    done = subprocess.run([sys.executable, "-m", "bot", "ask", "--json", "-"],
                          input=b"\n".join(lines) + b"\n", capture_output=True, cwd=ROOT,
                          timeout=60)
    assert done.returncode == 0
    rows = [json.loads(line) for line in done.stdout.decode("utf-8").splitlines()]
    assert [row.get("question") for row in rows] == ["Qui dirige le Pentagone ?", None,
                                                      "Qui a signé la lettre ?", None]
    assert [row.get("line") for row in rows if "error" in row] == [2, 4]
    assert rows[0]["answered"] and rows[2]["answered"]


ESCAPES = "Titre \x1b]0;piégé\x07\n\nLe port de Marseille \x1b[2J\x1b[H a battu un record de " \
          "trafic.\x1b]52;c;ZXZpbA==\x07 Les dockers sont en grève.\n"


def test_terminal_output_strips_control_characters_and_json_keeps_the_text(capsys, tmp_path):
    (tmp_path / "port.txt").write_text(ESCAPES, encoding="utf-8")
    status, out, _ = run(capsys, "ask", "--corpus", str(tmp_path), "record de trafic du port")
    assert status == 0 and "record de trafic" in out
    assert not any(c in out for c in "\x1b\x07")
    status, out, _ = run(capsys, "ask", "--json", "--corpus", str(tmp_path),
                         "record de trafic du port")
    excerpt = json.loads(out)["results"][0]["excerpt"]
    assert "\x1b[2J" in excerpt  # the article's own text, for a program to judge


def test_chat_stops_at_quit(capsys, monkeypatch):
    status, out, _ = run(capsys, "chat", stdin="Qui a signé la lettre ?\nquit\nQui dirige le "
                         "Pentagone ?\n", monkeypatch=monkeypatch)
    assert status == 0 and "William H. Seely" in out and "Mark Esper" not in out


def read_until(fd: int, marker: bytes, seconds: float = 30) -> bytes:
    """What a terminal shows until `marker` appears (or the program ends)."""
    out, deadline = b"", time.monotonic() + seconds
    while marker not in out and time.monotonic() < deadline:
        if select.select([fd], [], [], 0.2)[0]:
            try:
                chunk = os.read(fd, 4096)
            except OSError:  # the program ended
                break
            if not chunk:
                break
            out += chunk
    return out


def test_chat_on_a_terminal_recalls_history_wraps_words_and_leaves_on_a_new_line():
    """A person at a 60-column terminal: asks, recalls the question with the up arrow, then
    leaves with Ctrl-D."""
    pid, fd = pty.fork()
    if pid == 0:  # the chat, on a terminal of 60 columns
        fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 60, 0, 0))
        env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
        os.execvpe(sys.executable, [sys.executable, "-m", "bot", "chat"], {**env, "TERM": "xterm"})
    try:
        read_until(fd, b"? ")
        os.write(fd, b"Qui dirige le Pentagone ?\r")
        first = read_until(fd, b"\n? ")
        os.write(fd, b"\x1b[A\r")  # up arrow: the same question again
        second = read_until(fd, b"\n? ")
        os.write(fd, b"\x04")
        last = read_until(fd, b"never")
    finally:
        _, status = os.waitpid(pid, 0)
    assert status == 0 and last == b"\r\n"
    assert b"^[[A" not in second
    for shown in (first, second):
        lines = re.sub(rb"\x1b\[[0-9;]*m", b"", shown).decode("utf-8").splitlines()[1:-1]
        assert lines and all(len(line) <= 60 for line in lines)
        words = " ".join(line.strip() for line in lines)
        assert "Mark Esper" in words  # the answer, its words never cut in two
