"""Telegram's flood limits, kept by waiting before a message rather than by failing after one.

Telegram refuses (429, with `retry_after`) more than 30 messages a second from a bot, more than
one a second in a chat and more than 20 a minute in a group. PTB's AIORateLimiter gives up
after `max_retries`, counts the "typing…" action like a message, and reserves a chat's turn
before waiting for the bot's, so two messages to a chat can still leave less than a second
apart. `FloodLimiter` sends each message only when every window it belongs to has room at that
same moment, retries a 429 after `retry_after` for as long as Telegram asks, and sends chat
actions only when that costs an answer nothing. At a stop it is closed: no request starts any
more, and those on their way finish (one cut off mid-way may have reached Telegram).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Callable, Coroutine
from typing import Any

from telegram.constants import FloodLimit
from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter

from .monitoring import FLOOD_WAIT_SECONDS, FLOOD_WAITS, TELEGRAM_429

log = logging.getLogger(__name__)

# Added to a chat's window, for Telegram's own clock; the bot's window gets none, as it
# bounds throughput (sends count from Telegram's answer: that is its margin).
CHAT_MARGIN_SECONDS = 0.05
BOT_MARGIN_SECONDS = 0.0
# A chat's or group's window is forgotten once this many are kept and it is empty again.
MAX_KEPT_WINDOWS = 1024
CHAT_ACTION = "sendChatAction"

Result = bool | dict[str, Any] | list[dict[str, Any]]


class Window:
    """At most `count` sends in any `seconds`. Each send counts from when Telegram answered
    it (when sent, while in flight): it reached Telegram at the latest then, so sends spaced
    from those times arrive spaced too, however the network delays them."""

    def __init__(self, count: int, seconds: float, margin: float = CHAT_MARGIN_SECONDS) -> None:
        self.seconds = seconds + margin
        self.sent: deque[list[float]] = deque(maxlen=count)  # one-item lists: updated in place

    def wait(self, now: float) -> float:
        """How long until a send fits (0 if it fits now)."""
        if len(self.sent) < (self.sent.maxlen or 0):
            return 0.0
        return max(0.0, min(at for at, in self.sent) + self.seconds - now)

    def take(self, now: float) -> list[float]:
        """Counts a send; its time is to be set again when Telegram answers."""
        slot = [now]
        self.sent.append(slot)
        return slot

    def idle(self, now: float) -> bool:
        return all(at + self.seconds <= now for at, in self.sent)


class FloodLimiter(BaseRateLimiter[None]):
    """Messages wait for their turn in the bot's, the chat's and the group's windows, and are
    sent again after a 429 until Telegram takes them; chat actions are best effort."""

    def __init__(self, per_bot: tuple[int, float] = (FloodLimit.MESSAGES_PER_SECOND, 1),
                 per_chat: tuple[int, float] = (FloodLimit.MESSAGES_PER_SECOND_PER_CHAT, 1),
                 per_group: tuple[int, float] = (FloodLimit.MESSAGES_PER_MINUTE_PER_GROUP, 60)
                 ) -> None:
        self.per_chat, self.per_group = per_chat, per_group
        self.bot = Window(*per_bot, margin=BOT_MARGIN_SECONDS)
        self.chats: dict[int | str, Window] = {}
        self.groups: dict[int | str, Window] = {}
        self.paused_until = 0.0  # a 429's retry_after holds every message until then
        self.closed = False

    def close(self) -> None:
        """From now on no request is sent: each raises CancelledError, so that its update counts
        as unanswered (and is answered after a restart); requests on their way finish."""
        self.closed = True

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to release."""

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, Result]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: None,
    ) -> Result:
        """Sends a request when the limits allow, again after each 429 until it goes through."""
        chat_id = data.get("chat_id")
        windows = [] if chat_id is None else self._windows(chat_id)
        self._check_open()
        if endpoint == CHAT_ACTION:
            now = time.monotonic()
            if now < self.paused_until or any(w.wait(now) for w in windows):
                return True  # skipped: it would take an answer's turn or wait for one
            return await callback(*args, **kwargs)  # a 429 here is the caller's to ignore
        while True:
            slots = await self._take_turn(windows)
            self._check_open()
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as e:
                # As AIORateLimiter reads it: the public attribute warns of a type change.
                seconds = e._retry_after.total_seconds()  # noqa: SLF001
                TELEGRAM_429.inc()
                log.info("flood control: %s waits %.0f s as Telegram asks", endpoint, seconds)
                if windows:
                    self.paused_until = max(self.paused_until, time.monotonic() + seconds)
                else:
                    await asyncio.sleep(seconds)
            finally:
                answered = time.monotonic()
                for slot in slots:
                    slot[0] = answered

    def _check_open(self) -> None:
        if self.closed:
            raise asyncio.CancelledError("stopping: not sent")

    def _windows(self, chat_id: int | str) -> list[Window]:
        """The windows a message to this chat counts in: the bot's, the chat's, and the
        group's for groups and channels (negative ids or @usernames)."""
        if isinstance(chat_id, str) and chat_id.lstrip("-").isdigit():
            chat_id = int(chat_id)
        now = time.monotonic()
        windows = [self.bot, _window(self.chats, chat_id, self.per_chat, now)]
        if isinstance(chat_id, str) or chat_id < 0:
            windows.append(_window(self.groups, chat_id, self.per_group, now))
        return windows

    async def _take_turn(self, windows: list[Window]) -> list[list[float]]:
        """Waits until every window has room at the same moment, then counts the send in all."""
        waited = 0.0
        while windows:
            now = time.monotonic()
            wait = max([self.paused_until - now, *(w.wait(now) for w in windows)])
            if wait <= 0:
                if waited:
                    FLOOD_WAITS.inc()
                    FLOOD_WAIT_SECONDS.inc(waited)
                return [window.take(now) for window in windows]
            waited += wait
            await asyncio.sleep(wait)
        return []


def _window(windows: dict[int | str, Window], key: int | str, limit: tuple[int, float],
            now: float) -> Window:
    """The window of a chat or group, made on first use; idle ones are dropped past a bound."""
    if key not in windows and len(windows) >= MAX_KEPT_WINDOWS:
        for old in [k for k, w in windows.items() if w.idle(now)]:
            del windows[old]
    return windows.setdefault(key, Window(*limit))
