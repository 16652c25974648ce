"""The flood limiter on its own: windows per bot, chat and group, 429s, chat actions."""

from __future__ import annotations

import asyncio
import datetime as dtm
import time

import pytest
from telegram.error import RetryAfter

from bot.telegram.flood import FloodLimiter

# RetryAfter warns that its attribute will change type; this module builds them.
pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")


def send_all(limiter: FloodLimiter, requests: list[tuple[str, int]],
             failures: int = 0, retry_after: float = 0) -> list[float]:
    """Sends (endpoint, chat_id) requests at once through the limiter; when each went out,
    in seconds from the start. The first `failures` attempts get a 429."""
    sent: list[float] = []
    left = [failures]

    async def main() -> None:
        started = time.monotonic()

        async def callback() -> bool:
            if left[0] > 0:
                left[0] -= 1
                raise RetryAfter(dtm.timedelta(seconds=retry_after))
            sent.append(time.monotonic() - started)
            return True

        await asyncio.gather(*(limiter.process_request(callback, (), {}, endpoint,
                                                       {"chat_id": chat}, None)
                               for endpoint, chat in requests))
    asyncio.run(main())
    return sorted(sent)


def test_a_group_gets_no_more_than_its_window_allows():
    limiter = FloodLimiter(per_chat=(10, 0.1), per_group=(3, 0.5))
    sent = send_all(limiter, [("sendMessage", -100)] * 6)
    assert len(sent) == 6
    assert all(later - earlier >= 0.5 for earlier, later in zip(sent, sent[3:]))


def test_a_chat_gets_one_message_per_window_and_other_chats_are_not_held_up():
    limiter = FloodLimiter(per_chat=(1, 0.3))
    sent = send_all(limiter, [("sendMessage", 7)] * 3 + [("sendMessage", 8)])
    assert sent[1] < 0.1  # chat 8 did not wait for chat 7
    assert sent[2] - sent[0] >= 0.3 and sent[3] - sent[2] >= 0.3


def test_the_bot_window_caps_messages_across_chats():
    limiter = FloodLimiter(per_bot=(5, 0.4))
    sent = send_all(limiter, [("sendMessage", chat) for chat in range(1, 11)])
    assert all(later - earlier >= 0.4 for earlier, later in zip(sent, sent[5:]))


def test_a_message_is_sent_again_after_each_429_until_it_goes_through():
    limiter = FloodLimiter()
    sent = send_all(limiter, [("sendMessage", 7)], failures=2, retry_after=1)
    assert len(sent) == 1 and sent[0] >= 2  # retry_after kept each time


def test_chat_actions_never_wait_and_never_take_an_answers_turn():
    limiter = FloodLimiter(per_chat=(1, 5))
    sent = send_all(limiter, [("sendMessage", 7), ("sendChatAction", 9)])
    assert len(sent) == 2 and sent[-1] < 0.1
    assert limiter.chats[9].wait(time.monotonic()) == 0  # the action did not count
    sent = send_all(limiter, [("sendChatAction", 7)])  # chat 7 is busy: skipped, not delayed
    assert sent == []
