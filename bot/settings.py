"""Settings, read once from the environment or a git-ignored `.env` (see `.env.example`)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from dotenv import load_dotenv

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CORPUS = PROJECT_ROOT / "seeds"


class SettingsError(ValueError):
    """A setting has a value the bot cannot use."""


@dataclass(frozen=True)
class Settings:
    corpus_dir: Path
    top_k: int
    log_level: str
    telegram_bot_token: str | None
    telegram_api_base_url: str | None


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


def load_settings() -> Settings:
    """The settings in force: the environment first, then `.env` in the working folder."""
    load_dotenv(override=False)
    return Settings(
        corpus_dir=Path(os.environ.get("CORPUS_DIR", "").strip() or DEFAULT_CORPUS),
        top_k=_int("TOP_K", 3, 1, 10),
        log_level=os.environ.get("LOG_LEVEL", "").strip().upper() or "INFO",
        telegram_bot_token=os.environ.get("TELEGRAM_BOT_TOKEN", "").strip() or None,
        telegram_api_base_url=os.environ.get("TELEGRAM_API_BASE_URL", "").strip() or None,
    )
