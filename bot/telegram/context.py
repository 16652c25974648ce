"""What the bot keeps while it runs: a typed `bot_data`, as in PTB's contexttypesbot example.

It holds the engine and the settings the handlers read; about users, only each private chat's
last question, in memory for a few minutes (follow-ups), never on disk.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from pathlib import Path

from telegram.ext import CallbackContext, ContextTypes, ExtBot

from retrieval import AnswerEngine, IndexStore, PrivateAddresses

from .buttons import document_key
from .followups import RecentQuestions
from .workers import Pools


@dataclass
class BotData:
    """The bot's shared state: the corpus folder, answer size and who may add articles (set
    when the application is built), then the engine (built in post_init, swapped when the
    articles change), the thread pools and the task that watches the corpus folder (both
    started in post_init)."""

    corpus: Path = Path()
    top_k: int = 3
    admins: frozenset[int] = frozenset()
    allow_private_urls: PrivateAddresses = False
    index: IndexStore = IndexStore()
    engine: AnswerEngine = field(init=False)
    # Button data carries a short key per document; this maps it back to the document's id.
    document_ids: dict[str, str] = field(default_factory=dict)
    # Answers, fetches and new engines run there, off the event loop, each kind in its own
    # pool: a slow question or page holds up no one else.
    pools: Pools = field(init=False)
    # Set when the bot is told to stop: fetches in flight are then not waited for.
    stopping: asyncio.Event = field(default_factory=asyncio.Event)
    # One new engine at a time: the watcher's and an /add's builds do not race.
    reloading: asyncio.Lock = field(default_factory=asyncio.Lock)
    watcher: asyncio.Task | None = None
    # Each private chat's last question, for follow-ups: in memory, for a few minutes.
    recent: RecentQuestions = field(default_factory=RecentQuestions)

    def is_admin(self, user_id: int | None) -> bool:
        """Whether a Telegram user may add and remove articles (ADMIN_USER_IDS)."""
        return user_id in self.admins

    def use(self, engine: AnswerEngine) -> None:
        """Answer from this engine from now on."""
        self.engine = engine
        self.document_ids = {document_key(i): i for i in engine.article_ids()}


BotContext = CallbackContext[ExtBot[None], dict, dict, BotData]
CONTEXT_TYPES = ContextTypes(bot_data=BotData)
