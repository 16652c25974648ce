"""A fake Telegram Bot API server on 127.0.0.1, for end-to-end tests of the real bot process.

It answers the methods the bot uses the way Telegram does (JSON `{"ok": ...}` replies, dates in
seconds, long polling with offsets: an update is gone once a getUpdates asks from a later offset)
and is as strict as Telegram about HTML messages: unknown tags, unclosed tags, nested
blockquotes, bare <, > and &, the 4096-character and 100-entity limits. It enforces Telegram's
flood limits (30 messages a second per bot, one a second per chat, 20 a minute per group) with
429 and `retry_after`, and can open a window in which every message gets 429. Tests play the
users: they queue updates and read what the bot sent.
"""

from __future__ import annotations

import itertools
import json
import math
import re
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from collections.abc import Callable
from urllib.parse import parse_qs, unquote

# How long a test waits for the bot's calls at most: a limit, not a wait (the calls usually
# come within a second), generous for a busy 2-core machine running the suite in parallel.
WAIT_SECONDS = 60

MAX_LENGTH = 4096
MAX_ENTITIES = 100
MAX_CALLBACK_DATA = 64
TAGS = {"b": "bold", "strong": "bold", "i": "italic", "em": "italic", "u": "underline",
        "ins": "underline", "s": "strikethrough", "strike": "strikethrough",
        "del": "strikethrough", "tg-spoiler": "spoiler", "span": "spoiler", "a": "text_link",
        "code": "code", "pre": "pre", "blockquote": "blockquote", "tg-emoji": "custom_emoji"}
NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
# Parameters that PTB sends JSON-encoded, and those that are numbers.
JSON_PARAMS = {"reply_markup", "reply_parameters", "link_preview_options", "commands", "results",
               "allowed_updates", "scope", "entities", "button"}
INT_PARAMS = {"chat_id", "message_id", "offset", "limit", "timeout", "cache_time"}
# Telegram's flood limits: (messages, seconds) per bot, per chat, per group.
PER_BOT, PER_CHAT, PER_GROUP = (30, 1.0), (1, 1.0), (20, 60.0)
# Requests reach this server up to this much closer together than the bot sent them (threads
# and the GIL here, the network for Telegram): the limits are checked with this slack.
JITTER_SECONDS = 0.1
# Methods that send or edit a message: the ones flood limits count.
MESSAGE_METHODS = {"sendMessage", "editMessageText"}

_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)((?:\s+[^<>]*)?)>")
_ENTITY = re.compile(r"&(#[0-9]+|#x[0-9a-fA-F]+|[a-zA-Z]+);")
_HREF = re.compile(r"""\s+href\s*=\s*(["'])(.*?)\1\s*$""")


class BadRequest(Exception):
    """A 400 answer, with Telegram's description."""


def utf16_len(s: str) -> int:
    return len(s.encode("utf-16-le")) // 2


def parse_html(message: str) -> tuple[str, list[dict]]:
    """The text and entities Telegram makes of an HTML message; BadRequest if it refuses it."""
    text, entities, open_tags = [], [], []
    pos = 0

    def offset() -> int:
        return utf16_len("".join(text))

    while pos < len(message):
        char = message[pos]
        if char == "<":
            m = _TAG.match(message, pos)
            name = m[2].lower() if m else ""
            if not m or name not in TAGS:
                raise BadRequest(f"Bad Request: can't parse entities: Unsupported start tag "
                                 f'"{name}" at byte offset {len(message[:pos].encode())}')
            if m[1]:
                if not open_tags or open_tags[-1][0] != name:
                    raise BadRequest(f'Bad Request: can\'t parse entities: Unexpected end tag at '
                                     f"byte offset {len(message[:pos].encode())}")
                tag, start, attrs = open_tags.pop()
                entity = {"type": TAGS[tag], "offset": start, "length": offset() - start}
                if tag == "a":
                    entity["url"] = attrs
                if entity["length"]:
                    entities.append(entity)
            else:
                if name in {t for t, _, _ in open_tags} and name == "blockquote":
                    raise BadRequest("Bad Request: can't parse entities: blockquotes can't be "
                                     "nested")
                if any(t in ("pre", "code") for t, _, _ in open_tags):
                    raise BadRequest("Bad Request: can't parse entities: entities can't be "
                                     "nested in code")
                attrs = ""
                if name == "a":
                    href = _HREF.match(m[3])
                    if not href:
                        raise BadRequest("Bad Request: can't parse entities: <a> without href")
                    attrs = _unescape(href[2])
                open_tags.append((name, offset(), attrs))
            pos = m.end()
        elif char == "&":
            m = _ENTITY.match(message, pos)
            if not m:
                raise BadRequest("Bad Request: can't parse entities: Character '&' is reserved "
                                 f"at byte offset {len(message[:pos].encode())}")
            text.append(_unescape(m[0]))
            pos = m.end()
        elif char == ">":
            raise BadRequest("Bad Request: can't parse entities: Character '>' is reserved at "
                             f"byte offset {len(message[:pos].encode())}")
        else:
            special = re.compile(r"[<&>]").search(message, pos)
            end = special.start() if special else len(message)
            text.append(message[pos:end])
            pos = end
    if open_tags:
        raise BadRequest(f'Bad Request: can\'t parse entities: Can\'t find end tag corresponding '
                         f'to start tag "{open_tags[-1][0]}"')
    return "".join(text), sorted(entities, key=lambda e: e["offset"])


def _unescape(s: str) -> str:
    def one(m: re.Match) -> str:
        name = m[1]
        if name.startswith("#x"):
            return chr(int(name[2:], 16))
        if name.startswith("#"):
            return chr(int(name[1:]))
        if name.lower() not in NAMED_ENTITIES:
            raise BadRequest(f"Bad Request: can't parse entities: Unsupported HTML entity "
                             f'"&{name};"')
        return NAMED_ENTITIES[name.lower()]
    return _ENTITY.sub(one, s)


def message_text(text: str, parse_mode: str | None) -> tuple[str, list[dict]]:
    """A message's text and entities as Telegram stores them; BadRequest as Telegram says it."""
    plain, entities = parse_html(text) if (parse_mode or "").upper() == "HTML" else (text, [])
    if not plain.strip():
        raise BadRequest("Bad Request: message text is empty")
    if utf16_len(plain) > MAX_LENGTH:
        raise BadRequest("Bad Request: message is too long")
    if len(entities) > MAX_ENTITIES:
        raise BadRequest("Bad Request: too many entities")
    return plain, entities


def check_markup(markup: dict | None) -> None:
    for row in (markup or {}).get("inline_keyboard", []):
        for button in row:
            data = button.get("callback_data")
            if not button.get("text") or (data is not None and not
                                          1 <= len(data.encode()) <= MAX_CALLBACK_DATA):
                raise BadRequest("Bad Request: BUTTON_DATA_INVALID")


def user_entities(text: str) -> list[dict]:
    """The entities Telegram finds in a user's plain text: a leading /command and @mentions."""
    found = [("bot_command", m) for m in re.finditer(r"^/\w+(?:@\w+)?", text)]
    found += [("mention", m) for m in re.finditer(r"(?<!\w)@\w{3,}", text)]
    return [{"type": kind, "offset": utf16_len(text[:m.start()]), "length": utf16_len(m[0])}
            for kind, m in found]


@dataclass
class Call:
    """One request from the bot: the method, its parameters, and what the server answered."""

    method: str
    params: dict[str, Any]
    status: int
    result: Any = None
    at: float = field(default_factory=time.monotonic)


@dataclass
class FakeTelegram:
    """The server's state. Use as a context manager: it serves in a thread meanwhile."""

    token: str
    username: str = "citebot_test_bot"
    unauthorized: bool = False
    calls: list[Call] = field(default_factory=list)
    messages: dict[tuple[int, int], dict] = field(default_factory=dict)
    failures: dict[str, list[tuple[int, dict]]] = field(default_factory=dict)
    commands: dict[str | None, list[dict]] = field(default_factory=dict)
    files: dict[str, tuple[str, bytes]] = field(default_factory=dict)  # id -> path, content
    flood_limits: bool = True
    html_errors: bool = False  # every call gets a proxy's HTML error page instead of JSON
    # Seconds a sent message's answer takes to come back, the message delivered meanwhile (a
    # slow network: a bot stopped then has messages on their way).
    answer_delay: float = 0.0

    def __post_init__(self) -> None:
        self.bot = {"id": int(self.token.split(":")[0]), "is_bot": True, "first_name": "Citebot",
                    "username": self.username, "can_join_groups": True,
                    "can_read_all_group_messages": False, "supports_inline_queries": True}
        self.changed = threading.Condition()
        self.updates: list[dict] = []
        self.pushed: dict[int, float] = {}  # update id: when the user sent it
        self.confirmed_below = 0  # the highest offset the bot has sent: updates before it are gone
        self._sent: dict[int | None, deque[float]] = {}  # per chat (None: the bot), send times
        self.flood_until = 0.0
        self.flood_retry_after = 0
        self._ids = itertools.count(1)
        self.closed = False
        self.server = _Server(("127.0.0.1", 0), _Handler)
        self.server.fake = self  # type: ignore[attr-defined]

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/bot"

    def __enter__(self) -> FakeTelegram:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        with self.changed:
            self.closed = True
            self.changed.notify_all()
        self.server.shutdown()
        self.server.server_close()

    # The tests' side: users write, tests read what the bot did.

    def new_id(self) -> int:
        return next(self._ids)

    def user(self, language_code: str = "fr") -> dict:
        n = self.new_id()
        return {"id": 1000 + n, "is_bot": False, "first_name": f"User{n}",
                "language_code": language_code}

    def private_chat(self, user: dict) -> dict:
        return {"id": user["id"], "type": "private", "first_name": user["first_name"]}

    def group_chat(self) -> dict:
        return {"id": -1001000000000 - self.new_id(), "type": "supergroup", "title": "Tests"}

    def push_update(self, **update: Any) -> int:
        with self.changed:
            update_id = self.new_id()
            self.updates.append({"update_id": update_id, **update})
            self.pushed[update_id] = time.monotonic()
            self.changed.notify_all()
        return update_id

    def message(self, chat: dict, user: dict, text: str | None = None,
                reply_to: dict | None = None, **content: Any) -> dict:
        """A user's message in a chat (text, or other content such as a sticker)."""
        message = {"message_id": self.new_id(), "date": int(time.time()), "chat": chat,
                   "from": user, **content}
        if text is not None:
            message["text"] = text
            if entities := user_entities(text):
                message["entities"] = entities
        if reply_to is not None:
            message["reply_to_message"] = {k: v for k, v in reply_to.items()
                                           if k != "reply_to_message"}
        with self.changed:
            self.messages[(chat["id"], message["message_id"])] = message
        return message

    def send(self, chat: dict, user: dict, text: str | None = None,
             reply_to: dict | None = None, **content: Any) -> dict:
        """A user's message, delivered to the bot through getUpdates."""
        message = self.message(chat, user, text, reply_to, **content)
        self.push_update(message=message)
        return message

    def press(self, message: dict, data: str, user: dict) -> str:
        """A user presses a button under one of the bot's messages; returns the query's id."""
        query_id = str(self.new_id())
        current = self.messages[(message["chat"]["id"], message["message_id"])]
        self.push_update(callback_query={"id": query_id, "from": user, "message": current,
                                         "chat_instance": "42", "data": data})
        return query_id

    def inline(self, query: str, user: dict) -> str:
        query_id = str(self.new_id())
        self.push_update(inline_query={"id": query_id, "from": user, "query": query,
                                       "offset": "", "chat_type": "sender"})
        return query_id

    def upload(self, name: str, data: bytes, mime_type: str = "text/html") -> dict:
        """A file a user sends: the `document` of a message; the bot gets it with getFile,
        then downloads it from /file/bot<token>/<file_path>, as from Telegram."""
        n = self.new_id()
        with self.changed:
            self.files[f"doc{n}"] = (f"documents/file_{n}", data)
        return {"file_id": f"doc{n}", "file_unique_id": f"u{n}", "file_name": name,
                "mime_type": mime_type, "file_size": len(data)}

    def fail_next(self, method: str, status: int, description: str, **parameters: Any) -> None:
        """The next call of `method` fails like Telegram would (e.g. 429 with retry_after)."""
        payload: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
        if parameters:
            payload["parameters"] = parameters
        with self.changed:
            self.failures.setdefault(method, []).append((status, payload))

    def flood(self, seconds: float, retry_after: int) -> None:
        """For `seconds` from now, every message and chat action gets 429 with `retry_after`."""
        with self.changed:
            self.flood_until = time.monotonic() + seconds
            self.flood_retry_after = retry_after

    def confirmed(self) -> set[int]:
        """The updates Telegram has forgotten: those before an offset the bot sent."""
        with self.changed:
            return {u for u in self.pushed if u < self.confirmed_below}

    def mark(self) -> int:
        """A point in the calls: `wait_for(..., since=mark)` looks only at later ones."""
        with self.changed:
            return len(self.calls)

    def wait_for(self, predicate: Callable[[list[Call]], Any], timeout: float = WAIT_SECONDS
                 ) -> Any:
        """Waits until predicate(calls) is truthy and returns its value; AssertionError if not."""
        deadline = time.monotonic() + timeout
        with self.changed:
            while not (value := predicate(list(self.calls))):
                left = deadline - time.monotonic()
                if left <= 0:
                    methods = [c.method for c in self.calls[-10:]]
                    raise AssertionError(f"timed out; last calls: {methods}")
                self.changed.wait(left)
            return value

    def sent(self, chat_id: int, since: int = 0, method: str = "sendMessage") -> list[Call]:
        """The successful calls of `method` to a chat, after a mark."""
        with self.changed:
            return [c for c in self.calls[since:] if c.method == method and c.status == 200
                    and c.params.get("chat_id") == chat_id]

    def replies(self, chat_id: int, count: int = 1, since: int = 0, timeout: float = WAIT_SECONDS
                ) -> list[dict]:
        """Waits for `count` messages from the bot in a chat; returns them (as Telegram stored)."""
        calls = self.wait_for(lambda _: len(found := self.sent(chat_id, since)) >= count
                              and found, timeout)
        return [c.result for c in calls]

    # The bot's side.

    def handle(self, token: str, method: str, params: dict[str, Any]) -> tuple[int, dict]:
        if token != self.token or self.unauthorized:
            return 401, {"ok": False, "error_code": 401, "description": "Unauthorized"}
        if method == "getUpdates":
            return 200, {"ok": True, "result": self._get_updates(params)}
        with self.changed:
            if self.failures.get(method):
                status, payload = self.failures[method].pop(0)
            else:
                status, payload = self._flood_control(method, params)
            if status != 200:
                self.calls.append(Call(method, params, status, payload))
                self.changed.notify_all()
                return status, payload
            try:
                status, result = 200, self._call(method, params)
            except BadRequest as e:
                status, result = 400, str(e)
            except KeyError:
                status, result = 404, "Not Found"
            self.calls.append(Call(method, params, status, result))
            self.changed.notify_all()
        if status != 200:
            return status, {"ok": False, "error_code": status, "description": result}
        if method in MESSAGE_METHODS:
            time.sleep(self.answer_delay)
        return 200, {"ok": True, "result": result}

    def _flood_control(self, method: str, params: dict[str, Any]) -> tuple[int, dict]:
        """(200, {}) if Telegram lets this call through now, else its 429; a message that
        passes counts in the bot's, its chat's and its group's windows."""
        now = time.monotonic()
        chat_id = params.get("chat_id")
        if chat_id is not None and method in MESSAGE_METHODS | {"sendChatAction"} and (
                now < self.flood_until):
            return _too_many(self.flood_retry_after)
        if not (self.flood_limits and method in MESSAGE_METHODS and chat_id is not None):
            return 200, {}
        limits = [(None, PER_BOT), (chat_id, PER_GROUP if chat_id < 0 else PER_CHAT)]
        for key, (count, seconds) in limits:
            sent = self._sent.setdefault(key, deque(maxlen=count))
            if len(sent) == count and now - sent[0] < seconds - JITTER_SECONDS:
                return _too_many(math.ceil(sent[0] + seconds - now),
                                 "bot" if key is None else "chat")
        for key, _ in limits:
            self._sent[key].append(now)
        return 200, {}

    def _get_updates(self, params: dict[str, Any]) -> list[dict]:
        deadline = time.monotonic() + float(params.get("timeout") or 0)
        offset = int(params.get("offset") or 0)
        with self.changed:
            self.calls.append(Call("getUpdates", params, 200))
            self.confirmed_below = max(self.confirmed_below, offset)
            self.changed.notify_all()
            self.updates = [u for u in self.updates if u["update_id"] >= offset]
            while not self.updates and not self.closed and time.monotonic() < deadline:
                self.changed.wait(deadline - time.monotonic())
            return self.updates[:int(params.get("limit") or 100)]

    def _call(self, method: str, p: dict[str, Any]) -> Any:
        """One method, under the lock. KeyError for unknown methods (404, like Telegram)."""
        if method == "getMe":
            return self.bot
        if method in ("deleteWebhook", "setWebhook", "sendChatAction", "answerCallbackQuery"):
            return True
        if method == "getFile":
            if p.get("file_id") not in self.files:
                raise BadRequest("Bad Request: invalid file_id")
            path, data = self.files[p["file_id"]]
            return {"file_id": p["file_id"], "file_unique_id": "u" + p["file_id"],
                    "file_size": len(data), "file_path": path}
        if method == "setMyCommands":
            self.commands[p.get("language_code")] = p["commands"]
            return True
        if method == "sendMessage":
            return self._store(p, {"message_id": self.new_id(), "date": int(time.time()),
                                   "chat": self._chat(p["chat_id"]), "from": self.bot})
        if method == "editMessageText":
            old = self.messages.get((p["chat_id"], p["message_id"]))
            if old is None:
                raise BadRequest("Bad Request: message to edit not found")
            plain, _ = message_text(p["text"], p.get("parse_mode"))
            if plain == old["text"] and p.get("reply_markup") == old.get("reply_markup"):
                raise BadRequest("Bad Request: message is not modified: specified new message "
                                 "content and reply markup are exactly the same as a current "
                                 "content and reply markup of the message")
            kept = {k: old[k] for k in ("message_id", "date", "chat", "from", "reply_to_message")
                    if k in old}
            return self._store(p, {**kept, "edit_date": int(time.time())})
        if method == "answerInlineQuery":
            for result in p["results"]:
                content = result["input_message_content"]
                if not (1 <= len(result["id"].encode()) <= 64 and result.get("title")):
                    raise BadRequest("Bad Request: RESULT_ID_INVALID")
                message_text(content["message_text"], content.get("parse_mode"))
            return True
        raise KeyError(method)

    def _chat(self, chat_id: int) -> dict:
        return next((m["chat"] for (c, _), m in self.messages.items() if c == chat_id),
                    {"id": chat_id, "type": "private" if chat_id > 0 else "supergroup"})

    def _store(self, p: dict[str, Any], message: dict) -> dict:
        """Validates a sent or edited message and keeps it as Telegram returns it."""
        plain, entities = message_text(p["text"], p.get("parse_mode"))
        check_markup(p.get("reply_markup"))
        message.update(text=plain)
        if entities:
            message["entities"] = entities
        if p.get("reply_markup"):
            message["reply_markup"] = p["reply_markup"]
        reply = p.get("reply_parameters") or {}
        if "message_id" in reply:
            replied = self.messages.get((p["chat_id"], reply["message_id"]))
            if replied:
                message["reply_to_message"] = {k: v for k, v in replied.items()
                                               if k != "reply_to_message"}
            elif not reply.get("allow_sending_without_reply"):
                raise BadRequest("Bad Request: message to be replied not found")
        self.messages[(p["chat_id"], message["message_id"])] = message
        return message


def _too_many(retry_after: int, limit: str = "window") -> tuple[int, dict]:
    return 429, {"ok": False, "error_code": 429, "limit": limit,
                 "description": f"Too Many Requests: retry after {retry_after}",
                 "parameters": {"retry_after": retry_after}}


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256  # a bot opens many connections at once, as Telegram allows

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Quiet: a bot that stops drops its long poll, as it may."""


class _Handler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
        fake: FakeTelegram = self.server.fake  # type: ignore[attr-defined]
        if download := re.fullmatch(r"/file/bot([^/]+)/(.+)", self.path):
            self._download(fake, unquote(download[1]), unquote(download[2]))
            return
        m = re.fullmatch(r"/bot([^/]+)/(\w+)", self.path)
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
        if fake.html_errors:
            page = b"<html><body><h1>502 Bad Gateway</h1>" + b"<p>nginx</p>" * 20 + b"</body></html>"
            self.send_response(502)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(page)))
            self.end_headers()
            self.wfile.write(page)
            return
        if not m:
            status, payload = 404, {"ok": False, "error_code": 404, "description": "Not Found"}
        else:
            status, payload = fake.handle(m[1], m[2], _params(self.headers, body))
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST

    def _download(self, fake: FakeTelegram, token: str, path: str) -> None:
        """A file's content, as Telegram's file server gives it (404 for a wrong token)."""
        with fake.changed:
            data = next((d for f, d in fake.files.values() if f == path), None) if (
                token == fake.token) else None
        self.send_response(200 if data is not None else 404)
        self.send_header("Content-Length", str(len(data or b"")))
        self.end_headers()
        self.wfile.write(data or b"")

    def log_message(self, *args: object) -> None:
        """Quiet: pytest shows failures, not every request."""


def _params(headers: Any, body: str) -> dict[str, Any]:
    if headers.get("Content-Type", "").startswith("application/json"):
        return json.loads(body or "{}")
    params: dict[str, Any] = {k: v[0] for k, v in parse_qs(body, keep_blank_values=True).items()}
    for key, value in params.items():
        if key in JSON_PARAMS:
            params[key] = json.loads(value)
        elif key in INT_PARAMS and re.fullmatch(r"-?\d+", value):
            params[key] = int(value)
    return params
