"""End to end: starting and stopping the bot process, start-up errors, and the webhook mode."""

from __future__ import annotations

import json
import socket
import time
import urllib.error
import urllib.request

import pytest

from telegram_harness import TOKEN, bot_env, run_bot_once, running_bot

SECRET = "s3cret_token-for-tests"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_sigterm_stops_the_bot_cleanly_and_the_token_is_never_logged(telegram, tmp_path):
    env = bot_env(telegram, LOG_LEVEL="DEBUG")  # the most verbose log
    with running_bot(telegram, env, tmp_path / "bot.log") as bot:
        started = time.monotonic()
        status = bot.stop()
    assert status == 0 and time.monotonic() - started < 5
    log = bot.log()
    assert "Traceback" not in log and "getUpdates" in log
    assert TOKEN.split(":")[1] not in log


def test_buttons_still_work_after_a_restart(telegram, tmp_path):
    env = bot_env(telegram)
    user = telegram.user()
    private = telegram.private_chat(user)
    with running_bot(telegram, env, tmp_path / "first.log"):
        telegram.send(private, user, "retrait des troupes américaines en Irak")
        [answer] = telegram.replies(private["id"])
    with running_bot(telegram, env, tmp_path / "second.log"):
        for row in answer["reply_markup"]["inline_keyboard"]:
            for button in row:
                mark = telegram.mark()
                telegram.press(answer, button["callback_data"], user)
                telegram.wait_for(lambda calls: any(c.method == "editMessageText"
                                                    and c.status == 200 for c in calls[mark:]))


@pytest.mark.parametrize("settings, args, expected", [
    ({"TELEGRAM_BOT_TOKEN": ""}, (), "TELEGRAM_BOT_TOKEN is not set"),
    ({"TELEGRAM_BOT_TOKEN": "12345:tooshort"}, (), "TELEGRAM_BOT_TOKEN is malformed"),
    ({"unauthorized": True}, (), "invalid token"),
    ({"TELEGRAM_API_BASE_URL": "closed port"}, (), "cannot reach the Telegram Bot API"),
    ({"CORPUS_DIR": "empty folder"}, (), "no readable .txt or .md article"),
    ({"WEBHOOK_URL": "https://bot.example.org/hook"}, ("--webhook",), "WEBHOOK_SECRET_TOKEN"),
])
def test_start_up_errors_are_one_clear_line(telegram, tmp_path, monkeypatch, settings, args,
                                            expected):
    env = bot_env(telegram)
    for key, value in settings.items():
        if key == "unauthorized":
            monkeypatch.setattr(telegram, "unauthorized", value)
        elif value == "closed port":
            env[key] = f"http://127.0.0.1:{free_port()}/bot"
        elif value == "empty folder":
            env[key] = str(tmp_path)
        else:
            env[key] = value
    result = run_bot_once(env, *args)
    lines = [line for line in (result.stdout + result.stderr).splitlines()
             if line.strip() and not line.startswith(("INFO ", "DEBUG "))]
    assert result.returncode != 0
    assert len(lines) == 1 and expected in lines[0], lines
    assert TOKEN.split(":")[1] not in lines[0]


def post_update(url: str, update: dict, secret: str) -> int:
    """POSTs an update as Telegram does; the HTTP status of the bot's answer."""
    request = urllib.request.Request(url, data=json.dumps(update).encode(), headers={
        "Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": secret})
    deadline = time.monotonic() + 10
    while True:
        try:
            with urllib.request.urlopen(request, timeout=5) as response:
                return response.status
        except urllib.error.HTTPError as e:
            return e.code
        except urllib.error.URLError:  # not listening yet
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def test_webhook_answers_updates_and_refuses_a_wrong_secret(telegram, tmp_path):
    port = free_port()
    env = bot_env(telegram, WEBHOOK_URL="https://bot.example.org/telegram-hook",
                  WEBHOOK_LISTEN="127.0.0.1", WEBHOOK_PORT=str(port),
                  WEBHOOK_SECRET_TOKEN=SECRET)
    endpoint = f"http://127.0.0.1:{port}/telegram-hook"
    with running_bot(telegram, env, tmp_path / "bot.log", "--webhook",
                     ready="setWebhook") as bot:
        [hook] = [c for c in telegram.calls if c.method == "setWebhook"]
        assert hook.params["url"] == "https://bot.example.org/telegram-hook"
        assert hook.params["secret_token"] == SECRET
        user = telegram.user()
        private = telegram.private_chat(user)
        question = telegram.message(private, user, "Qui est le chef du Pentagone ?")
        update = {"update_id": telegram.new_id(), "message": question}
        assert post_update(endpoint, update, "wrong-secret") == 403
        assert post_update(endpoint, update, SECRET) == 200
        [reply] = telegram.replies(private["id"])
        assert "Mark Esper" in reply["text"]
        assert len(telegram.sent(private["id"])) == 1  # the refused update was not handled
        assert bot.stop() == 0
