"""Follow-up questions in Telegram: what a question may lean on (answer/followup.py decides
whether it does).

Nothing is stored about users. A reply to one of the bot's answers leans on that answer as
Telegram sends it with the reply: its quotes' words in bold (the question's words as the
articles write them) and the article of its first quote (its Contexte button). In a private
chat, the last question is also held in memory, for a few minutes, so that « et pourquoi ? »
needs no reply; it is never written anywhere and goes with a restart.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from threading import Lock

from telegram import Message, MessageEntity, User
from telegram.constants import ChatType

from retrieval import Previous

from .buttons import ShowContext, decode

# How long a private chat's last question is remembered: a conversation's pace, not a history.
FOLLOW_UP_SECONDS = 300
# How many chats' last questions are held at most (the oldest go first): a few MB at most.
MAX_CONVERSATIONS = 10_000


class RecentQuestions:
    """Each private chat's last question, in memory only, for FOLLOW_UP_SECONDS."""

    def __init__(self, seconds: float = FOLLOW_UP_SECONDS, size: int = MAX_CONVERSATIONS,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.seconds, self.size, self.clock = seconds, size, clock
        self._last: OrderedDict[int, tuple[float, Previous]] = OrderedDict()
        self._lock = Lock()

    def get(self, chat_id: int) -> Previous | None:
        """The chat's last question, if it was asked within the last few minutes."""
        with self._lock:
            held = self._last.get(chat_id)
            if held is None or self.clock() - held[0] > self.seconds:
                self._last.pop(chat_id, None)
                return None
            return held[1]

    def put(self, chat_id: int, previous: Previous) -> None:
        """Remembers the chat's last question (forgetting the oldest chat past the size)."""
        with self._lock:
            self._last.pop(chat_id, None)
            self._last[chat_id] = (self.clock(), previous)
            while len(self._last) > self.size:
                self._last.popitem(last=False)


def replied_answer(message: Message, bot: User, document_ids: dict[str, str]
                   ) -> Previous | None:
    """What a reply to one of the bot's answers leans on: the answer's bold words and its
    first quote's article; None for a reply to anything else."""
    replied = message.reply_to_message
    if not (replied and replied.from_user and replied.from_user.id == bot.id):
        return None
    words = replied.parse_entities([MessageEntity.BOLD]).values()
    keyboard = replied.reply_markup.inline_keyboard if replied.reply_markup else ()
    presses = [decode(b.callback_data if isinstance(b.callback_data, str) else None)
               for row in keyboard for b in row]
    documents = tuple(document_ids[p.document] for p in presses
                      if isinstance(p, ShowContext) and p.document in document_ids)
    if not words and not documents:
        return None
    return Previous(" ".join(words), documents)


def leaned_on(message: Message, bot: User, document_ids: dict[str, str],
              recent: RecentQuestions) -> Previous | None:
    """What a question message may lean on: the answer it replies to, else in a private chat
    the chat's last question."""
    replied = replied_answer(message, bot, document_ids)
    if replied is None and message.chat.type == ChatType.PRIVATE:
        return recent.get(message.chat.id)
    return replied
