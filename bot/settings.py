"""Settings, read once from the environment or a git-ignored `.env` (see `.env.example`)."""

from __future__ import annotations

import ipaddress
import os
import re
from dataclasses import dataclass
from pathlib import Path

from dotenv import load_dotenv

from retrieval import BACKENDS, IndexStore, PrivateAddresses, parse_remote

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CORPUS = PROJECT_ROOT / "seeds"
# What @BotFather hands out: the bot's number, a colon, then a secret of 35 characters.
TOKEN_FORMAT = re.compile(r"\d+:[A-Za-z0-9_-]{30,}")
# What Telegram accepts as a webhook's secret token.
SECRET_FORMAT = re.compile(r"[A-Za-z0-9_-]{1,256}")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
# Telegram's Bot API; a local Bot API server is given by its own address, with or without /bot.
DEFAULT_API = "https://api.telegram.org/bot"
# How many excerpts an answer may hold: at least one, and no more than a reader reads.
TOP_K_RANGE = (1, 10)
DEFAULT_TOP_K = 3
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


def _int(name: str, default: int, low: int, high: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a whole number, not {raw!r}") from None
    if not low <= value <= high:
        raise SettingsError(f"{name} must be between {low} and {high}, not {value}")
    return value


def _log_level() -> str | None:
    raw = os.environ.get("LOG_LEVEL", "").strip().upper()
    if raw and raw not in LOG_LEVELS:
        raise SettingsError(f"LOG_LEVEL must be one of {', '.join(LOG_LEVELS)}, not {raw!r}")
    return raw or None


def _admin_user_ids() -> frozenset[int]:
    raw = os.environ.get("ADMIN_USER_IDS", "")
    ids = [part.strip() for part in raw.split(",") if part.strip()]
    if bad := [i for i in ids if not re.fullmatch(r"\d{1,20}", i)]:
        raise SettingsError(f"ADMIN_USER_IDS must be Telegram user ids (numbers) separated by "
                            f"commas, not {bad[0]!r}")
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
        raise SettingsError(f"ALLOW_PRIVATE_URLS must be true, false or IP addresses and "
                            f"networks separated by commas, not {raw!r}") from None


def _feeds() -> tuple[str, ...]:
    """FEEDS: urls separated by commas, or a file listing them (one a line, # comments)."""
    raw = os.environ.get("FEEDS", "").strip()
    if raw and "://" not in raw:
        try:
            lines = Path(raw).expanduser().read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as e:
            raise SettingsError(f"FEEDS: cannot read the list of feeds {raw}: {e}") from None
        parts = [line.split("#")[0].strip() for line in lines]
    else:
        parts = [part.strip() for part in raw.split(",")]
    feeds = tuple(part for part in parts if part)
    if bad := [f for f in feeds if not re.match(r"https?://[^/?#\s]+", f)]:
        raise SettingsError(f"FEEDS must be http:// or https:// feed urls, not {bad[0]!r}")
    return feeds


def api_base_url(raw: str) -> str | None:
    """The Bot API's base URL as PTB wants it, ending in /bot (the token is appended to it):
    "http://host:8081", "http://host:8081/" and "http://host:8081/bot/" all work. Without
    /bot the token would land in the port, and in the error message that quotes the URL."""
    url = raw.strip().rstrip("/")
    if not url:
        return None
    if not re.match(r"https?://[^/?#]+(/[^?#]*)?\Z", url):
        raise SettingsError("TELEGRAM_API_BASE_URL must be an http:// or https:// address, "
                            "such as http://localhost:8081/bot")
    return url if url.endswith("/bot") else f"{url}/bot"


def _index_store() -> IndexStore:
    """INDEX_BACKEND, XAPIAN_DATABASES and CACHE_DIR, checked."""
    backend = os.environ.get("INDEX_BACKEND", "").strip().lower() or "memory"
    if backend not in BACKENDS:
        raise SettingsError(f"INDEX_BACKEND must be {' or '.join(BACKENDS)}, not {backend!r}")
    raw = os.environ.get("XAPIAN_DATABASES", "").strip()
    databases = tuple(part.strip() for part in raw.split(",")) if raw else ()
    if "" in databases:
        raise SettingsError("XAPIAN_DATABASES has an empty entry: write database paths and "
                            "tcp://HOST:PORT shards separated by single commas")
    for spec in databases:
        try:
            parse_remote(spec)
        except ValueError as e:
            raise SettingsError(f"XAPIAN_DATABASES: {e}") from None
    if backend == "xapian" and not databases:
        raise SettingsError("INDEX_BACKEND=xapian needs XAPIAN_DATABASES: the databases "
                            "(DIR/shard-0,...) or shards (tcp://HOST:PORT,...) to answer from")
    cache_dir = os.environ.get("CACHE_DIR", "").strip()
    return IndexStore(backend, Path(cache_dir) if cache_dir else None, databases)


def load_settings() -> Settings:
    """The settings in force: the environment first, then the project's `.env` (python-dotenv
    finds it from bot/ upward, whatever the working folder)."""
    load_dotenv(override=False)
    return Settings(
        corpus_dir=Path(os.environ.get("CORPUS_DIR", "").strip() or DEFAULT_CORPUS),
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
        index=_index_store(),
    )


def bot_token(settings: Settings) -> str:
    """The bot's token, checked for its shape before anything is sent to Telegram."""
    token = settings.telegram_bot_token
    if not token:
        raise SettingsError("TELEGRAM_BOT_TOKEN is not set: create a bot with @BotFather and "
                            "put its token in TELEGRAM_BOT_TOKEN (environment or .env)")
    if not TOKEN_FORMAT.fullmatch(token):
        raise SettingsError("TELEGRAM_BOT_TOKEN is malformed: @BotFather's tokens look like "
                            "123456789:AAE..., 35 characters after the colon")
    return token


def check_webhook(settings: Settings) -> None:
    """A webhook needs a public URL and a secret token that Telegram sends back with updates."""
    if not settings.webhook_url:
        raise SettingsError("WEBHOOK_URL must be set to run a webhook (the public HTTPS address "
                            "that Telegram posts updates to)")
    if not SECRET_FORMAT.fullmatch(settings.webhook_secret_token or ""):
        raise SettingsError("WEBHOOK_SECRET_TOKEN must be set to 1 to 256 letters, digits, _ or "
                            "-, so that only Telegram can post updates to the webhook")
