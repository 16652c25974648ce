"""Settings, read once from the environment or a git-ignored `.env` (see `.env.example`)."""

from __future__ import annotations

import ipaddress
import os
import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import platformdirs
from dotenv import load_dotenv

from retrieval import (BACKENDS, DEFAULT_ARTICLE_MAX_BYTES, IndexStore, PrivateAddresses,
                       parse_remote)

from .messages import terminal_language, text

# The demo article: seeds/ in a checkout, bot/seeds in an installed wheel. Read-only: the
# operator's articles live in the data folder, which starts as a copy of it.
_BOT = Path(__file__).resolve().parent
DEMO_CORPUS = _BOT / "seeds" if (_BOT / "seeds").is_dir() else _BOT.parent / "seeds"
# Inside the data folder (DATA_DIR): the articles answered from, and the memory index's cache.
ARTICLES_FOLDER = "articles"
CACHE_FOLDER = "cache"
# Prometheus' exporters each take a port of their own; 9464 is OpenTelemetry's for Prometheus.
DEFAULT_METRICS_PORT = 9464
# What @BotFather hands out: the bot's number, a colon, then a secret of 35 characters.
TOKEN_FORMAT = re.compile(r"\d+:[A-Za-z0-9_-]{30,}")
# What Telegram accepts as a webhook's secret token.
SECRET_FORMAT = re.compile(r"[A-Za-z0-9_-]{1,256}")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
# text: one line per record for people; json: one object per line for log shippers.
LOG_FORMATS = ("text", "json")
# Telegram's Bot API; a local Bot API server is given by its own address, with or without /bot.
DEFAULT_API = "https://api.telegram.org/bot"
# How many excerpts an answer may hold: at least one, and no more than a reader reads.
TOP_K_RANGE = (1, 10)
DEFAULT_TOP_K = 3
# The article size limit an operator may set: from a kilobyte (smaller is no article) to 1 GB
# (bigger would hold every answer up while it is read).
ARTICLE_MAX_BYTES_RANGE = (1024, 1024**3)
# Inside the data folder too: the bot's state (the updates it has answered), kept between runs
# where the cache may be wiped.
STATE_FOLDER = "state"
# How a yes/no setting may be written; empty is the default, no.
FLAG_VALUES = {"": False, "false": False, "0": False, "no": False,
               "true": True, "1": True, "yes": True}
# How often feeds are polled: every 15 minutes by default (news sites update their feeds every
# few minutes; most ask readers not to poll more often than that), from every second (tests)
# to once a day.
DEFAULT_FEEDS_INTERVAL = 900
FEEDS_INTERVAL_RANGE = (1, 86400)


class SettingsError(ValueError):
    """A setting has a value the bot cannot use."""


def _error(key: str, **values: object) -> SettingsError:
    """A settings error, worded in the terminal's language (it is printed there)."""
    return SettingsError(text(key, terminal_language(), **values))


@dataclass(frozen=True)
class Settings:
    corpus_dir: Path
    top_k: int
    log_level: str | None  # None: INFO for the bot, WARNING for the local harness
    telegram_bot_token: str | None
    telegram_api_base_url: str | None
    webhook_url: str | None = None
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = 8080
    webhook_secret_token: str | None = None
    # Telegram users who may add and remove articles (/add, /remove, links, files).
    admin_user_ids: frozenset[int] = frozenset()
    # Whether `add` and feeds may fetch pages on loopback, private and link-local addresses:
    # none, all, or those of the networks listed.
    allow_private_urls: PrivateAddresses = False
    # News feeds (RSS or Atom urls) polled for new articles, and how often (seconds).
    feeds: tuple[str, ...] = ()
    feeds_interval: int = DEFAULT_FEEDS_INTERVAL
    # Where the index comes from: the memory index and its cache folder, or Xapian databases.
    index: IndexStore = IndexStore()
    # The biggest article file read from the corpus folder; bigger ones are skipped.
    article_max_bytes: int = DEFAULT_ARTICLE_MAX_BYTES
    # The operator's folder: articles/ (unless CORPUS_DIR), cache/ (unless CACHE_DIR), and
    # whatever else the bot keeps between runs.
    data_dir: Path = Path()
    # Where /healthz and /metrics are served when there is no webhook server to serve them.
    metrics_listen: str = "127.0.0.1"
    metrics_port: int = DEFAULT_METRICS_PORT
    log_format: str = "text"  # text | json
    # Where the bot remembers which updates it has answered (STATE_DIR, else data_dir/state).
    state_dir: Path = Path()


def _int(name: str, default: int, low: int, high: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise _error("setting_not_number", name=name, raw=repr(raw)) from None
    if not low <= value <= high:
        raise _error("setting_range", name=name, low=low, high=high, value=value)
    return value


def _log_level() -> str | None:
    raw = os.environ.get("LOG_LEVEL", "").strip().upper()
    if raw and raw not in LOG_LEVELS:
        raise _error("setting_choice", name="LOG_LEVEL", choices=", ".join(LOG_LEVELS),
                     raw=repr(raw))
    return raw or None


def _admin_user_ids() -> frozenset[int]:
    raw = os.environ.get("ADMIN_USER_IDS", "")
    ids = [part.strip() for part in raw.split(",") if part.strip()]
    if bad := [i for i in ids if not re.fullmatch(r"\d{1,20}", i)]:
        raise _error("setting_admins", raw=repr(bad[0]))
    return frozenset(int(i) for i in ids)


def _allow_private_urls() -> PrivateAddresses:
    """ALLOW_PRIVATE_URLS: true or false, or addresses and networks separated by commas
    (10.1.2.3, 10.1.0.0/16, fd00::/8), the only private ones allowed."""
    raw = os.environ.get("ALLOW_PRIVATE_URLS", "").strip().lower()
    if raw in FLAG_VALUES:
        return FLAG_VALUES[raw]
    try:
        return tuple(ipaddress.ip_network(part.strip(), strict=False)
                     for part in raw.split(","))
    except ValueError:
        raise _error("setting_private_urls", raw=repr(raw)) from None


def _feeds() -> tuple[str, ...]:
    """FEEDS: urls separated by commas, or a file listing them (one a line, # comments)."""
    raw = os.environ.get("FEEDS", "").strip()
    if raw and "://" not in raw:
        try:
            lines = Path(raw).expanduser().read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as e:
            raise _error("setting_feeds_file", path=raw, error=e) from None
        parts = [line.split("#")[0].strip() for line in lines]
    else:
        parts = [part.strip() for part in raw.split(",")]
    feeds = tuple(part for part in parts if part)
    if bad := [f for f in feeds if not re.match(r"https?://[^/?#\s]+", f)]:
        raise _error("setting_feeds", raw=repr(bad[0]))
    return feeds


def api_base_url(raw: str) -> str | None:
    """The Bot API's base URL as PTB wants it, ending in /bot (the token is appended to it):
    "http://host:8081", "http://host:8081/" and "http://host:8081/bot/" all work. Without
    /bot the token would land in the port, and in the error message that quotes the URL."""
    url = raw.strip().rstrip("/")
    if not url:
        return None
    if not re.match(r"https?://[^/?#]+(/[^?#]*)?\Z", url):
        raise _error("setting_api_url")
    return url if url.endswith("/bot") else f"{url}/bot"


def _folder(name: str) -> Path | None:
    """A folder setting, or None when unset."""
    raw = os.environ.get(name, "").strip()
    return Path(raw).expanduser() if raw else None


def data_dir() -> Path:
    """DATA_DIR, by default the user's data folder (~/.local/share/citebot on Linux)."""
    return _folder("DATA_DIR") or platformdirs.user_data_path("citebot")


def corpus_dir(data: Path) -> Path:
    """CORPUS_DIR, by default the data folder's articles/, which is made the first time as a
    copy of the demo article: `add` then writes there, never into the code's seeds/."""
    if folder := _folder("CORPUS_DIR"):
        return folder
    folder = data / ARTICLES_FOLDER
    if not folder.exists():
        data.mkdir(parents=True, exist_ok=True)
        # Copied whole, then renamed: never half there, whoever else starts at the same time.
        staged = Path(tempfile.mkdtemp(prefix=f".{ARTICLES_FOLDER}-", dir=data))
        shutil.copytree(DEMO_CORPUS, staged, dirs_exist_ok=True)
        try:
            staged.rename(folder)
        except OSError:  # another process made it first
            shutil.rmtree(staged)
    return folder


def _log_format() -> str:
    raw = os.environ.get("LOG_FORMAT", "").strip().lower() or "text"
    if raw not in LOG_FORMATS:
        raise _error("setting_choice", name="LOG_FORMAT", choices=", ".join(LOG_FORMATS),
                     raw=repr(raw))
    return raw


def _index_store(data: Path) -> IndexStore:
    """INDEX_BACKEND, XAPIAN_DATABASES and CACHE_DIR, checked."""
    backend = os.environ.get("INDEX_BACKEND", "").strip().lower() or "memory"
    if backend not in BACKENDS:
        raise _error("setting_choice", name="INDEX_BACKEND", choices=", ".join(BACKENDS),
                     raw=repr(backend))
    raw = os.environ.get("XAPIAN_DATABASES", "").strip()
    databases = tuple(part.strip() for part in raw.split(",")) if raw else ()
    if "" in databases:
        raise _error("setting_databases_empty")
    for spec in databases:
        try:
            parse_remote(spec)
        except ValueError:
            raise _error("setting_databases", spec=repr(spec)) from None
    if backend == "xapian" and not databases:
        raise _error("setting_databases_missing")
    return IndexStore(backend, _folder("CACHE_DIR") or data / CACHE_FOLDER, databases)


def load_settings() -> Settings:
    """The settings in force: the environment first, then the project's `.env` (python-dotenv
    finds it from bot/ upward, whatever the working folder)."""
    load_dotenv(override=False)
    data = data_dir()
    return Settings(
        corpus_dir=corpus_dir(data),
        top_k=_int("TOP_K", DEFAULT_TOP_K, *TOP_K_RANGE),
        log_level=_log_level(),
        telegram_bot_token=os.environ.get("TELEGRAM_BOT_TOKEN", "").strip() or None,
        telegram_api_base_url=api_base_url(os.environ.get("TELEGRAM_API_BASE_URL", "")),
        webhook_url=os.environ.get("WEBHOOK_URL", "").strip() or None,
        webhook_listen=os.environ.get("WEBHOOK_LISTEN", "").strip() or "127.0.0.1",
        webhook_port=_int("WEBHOOK_PORT", 8080, 1, 65535),
        webhook_secret_token=os.environ.get("WEBHOOK_SECRET_TOKEN", "").strip() or None,
        admin_user_ids=_admin_user_ids(),
        allow_private_urls=_allow_private_urls(),
        feeds=_feeds(),
        feeds_interval=_int("FEEDS_INTERVAL", DEFAULT_FEEDS_INTERVAL, *FEEDS_INTERVAL_RANGE),
        index=_index_store(data),
        article_max_bytes=_int("ARTICLE_MAX_BYTES", DEFAULT_ARTICLE_MAX_BYTES,
                               *ARTICLE_MAX_BYTES_RANGE),
        data_dir=data,
        state_dir=_folder("STATE_DIR") or data / STATE_FOLDER,
        metrics_listen=os.environ.get("METRICS_LISTEN", "").strip() or "127.0.0.1",
        metrics_port=_int("METRICS_PORT", DEFAULT_METRICS_PORT, 1, 65535),
        log_format=_log_format(),
    )


def bot_token(settings: Settings) -> str:
    """The bot's token, checked for its shape before anything is sent to Telegram."""
    token = settings.telegram_bot_token
    if not token:
        raise _error("setting_no_token")
    if not TOKEN_FORMAT.fullmatch(token):
        raise _error("setting_bad_token")
    return token


def check_webhook(settings: Settings) -> None:
    """A webhook needs a public URL and a secret token that Telegram sends back with updates."""
    if not settings.webhook_url:
        raise _error("setting_no_webhook_url")
    if not SECRET_FORMAT.fullmatch(settings.webhook_secret_token or ""):
        raise _error("setting_webhook_secret")
