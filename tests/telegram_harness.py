"""Running the real bot (`python -m bot run`) against the fake Bot API, for end-to-end tests."""

from __future__ import annotations

import atexit
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from fake_telegram import FakeTelegram

PROJECT = Path(__file__).resolve().parent.parent
SEEDS = PROJECT / "seeds"
# Well-formed (the bot checks the shape) and fake: only the fake server knows it.
TOKEN = "123456789:AAFakeTokenForTests_0123456789abcdefg"
# Every setting of .env.example, so that a developer's environment or .env cannot leak into
# the tests.
SETTINGS = tuple(re.findall(r"^([A-Z][A-Z0-9_]*)=", (PROJECT / ".env.example").read_text(),
                            re.MULTILINE))
# The bots' state folders (answered updates), one per environment, removed when the tests end.
STATE_ROOT = tempfile.mkdtemp(prefix="citebot-states-")
atexit.register(shutil.rmtree, STATE_ROOT, True)
# How long a bot process may take to start: a second or two alone, far longer on a busy 2-core
# machine running the suite in parallel. A limit, not a wait: a bot that starts sooner goes on.
START_SECONDS = 180


def bot_env(server: FakeTelegram | None, corpus: Path = SEEDS, **settings: str) -> dict[str, str]:
    """The environment of a bot process: the fake server's URL and token, a state folder of
    its own (bots of parallel tests share the token and update ids, and the seeds' folder), a
    port of its own for /healthz and /metrics (bots run side by side), then `settings`."""
    from conftest import free_port

    env = {k: v for k, v in os.environ.items() if k not in SETTINGS}
    env.update(dict.fromkeys(SETTINGS, ""))
    env.update(TELEGRAM_BOT_TOKEN=TOKEN, CORPUS_DIR=str(corpus), PYTHONUNBUFFERED="1",
               STATE_DIR=tempfile.mkdtemp(dir=STATE_ROOT), METRICS_PORT=str(free_port()))
    if server is not None:
        env["TELEGRAM_API_BASE_URL"] = server.base_url
    env.update(settings)
    return env


def run_bot_once(env: dict[str, str], *args: str, timeout: float = START_SECONDS
                 ) -> subprocess.CompletedProcess:
    """Runs `python -m bot run ARGS` to its end (for start-up errors)."""
    return subprocess.run([sys.executable, "-m", "bot", "run", *args], env=env, cwd=PROJECT,
                          capture_output=True, text=True, timeout=timeout)


class BotProcess:
    """A running bot; its stderr (the log) goes to a file, read with `log()`."""

    def __init__(self, env: dict[str, str], args: tuple[str, ...], log_path: Path) -> None:
        self.log_path = log_path
        self._log_file = log_path.open("w")
        self.process = subprocess.Popen([sys.executable, "-m", "bot", "run", *args], env=env,
                                        cwd=PROJECT, stdout=self._log_file,
                                        stderr=subprocess.STDOUT)

    def log(self) -> str:
        return self.log_path.read_text()

    def stop(self, timeout: float = 10) -> int:
        """SIGTERM, then the exit status (killed if it does not stop in time)."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            return self.process.wait()
        finally:
            self._log_file.close()


@contextmanager
def running_bot(server: FakeTelegram, env: dict[str, str], log_path: Path, *args: str,
                ready: str = "getUpdates", timeout: float = START_SECONDS
                ) -> Iterator[BotProcess]:
    """A bot process, once it has called the `ready` method (it is then polling or serving)."""
    bot = BotProcess(env, args, log_path)
    try:
        deadline = time.monotonic() + timeout
        while not any(c.method == ready for c in server.calls):
            if bot.process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"the bot did not start:\n{bot.log()}")
            time.sleep(0.05)
        yield bot
    finally:
        bot.stop()


def http_get(url: str) -> tuple[int, str, str]:
    """GET url: status, content type, body (retried while the server is not yet listening)."""
    deadline = time.monotonic() + 30
    while True:
        try:
            with urllib.request.urlopen(url, timeout=10) as response:
                return response.status, response.headers["Content-Type"], response.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.headers["Content-Type"], e.read().decode()
        except urllib.error.URLError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def articles_in(folder: Path) -> list[Path]:
    return [p for p in folder.iterdir() if p.suffix in (".txt", ".md")]


def corpus_with(folder: Path, **articles: str) -> Path:
    """A corpus folder: the seed article plus `articles` (file name → text)."""
    folder.mkdir(parents=True, exist_ok=True)
    for seed in articles_in(SEEDS):
        shutil.copy(seed, folder / seed.name)
    for name, content in articles.items():
        (folder / name).write_text(content, encoding="utf-8")
    return folder


def quotes(message: dict) -> list[str]:
    """The text of each blockquote of a message the bot sent (as Telegram shows it)."""
    text = message["text"]
    return [_utf16_slice(text, e["offset"], e["length"]) for e in message.get("entities", [])
            if e["type"] == "blockquote"]


def bold(message: dict) -> list[str]:
    text = message["text"]
    return [_utf16_slice(text, e["offset"], e["length"]) for e in message.get("entities", [])
            if e["type"] == "bold"]


def _utf16_slice(text: str, offset: int, length: int) -> str:
    data = text.encode("utf-16-le")
    return data[2 * offset:2 * (offset + length)].decode("utf-16-le")


def verbatim(quote: str, corpus: Path) -> bool:
    """Whether a quote is the articles' own words (line breaks and "…" cuts aside)."""
    articles = "\n".join(" ".join(p.read_text(encoding="utf-8").split())
                         for p in articles_in(corpus))
    parts = [" ".join(part.split()) for part in quote.split("…")]
    return all(part in articles for part in parts if part)

