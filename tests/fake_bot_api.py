"""A strict, in-process fake of the Telegram Bot API for end-to-end tests.

Standard library only.  Start a :class:`FakeBotAPI`, point the bot at it with
``ApplicationBuilder().base_url(f"{api.base_url}/bot").base_file_url(f"{api.base_url}/file/bot")``,
push updates with the ``push_*`` helpers and assert on :attr:`FakeBotAPI.calls`,
:meth:`FakeBotAPI.sent_messages` and :attr:`FakeBotAPI.errors`.

Requests are validated the way Telegram does (HTML/Markdown parsing, UTF-16 length
limits, keyboards, commands, inline results, unknown chats/messages, "message is not
modified", ...) and rejected with Telegram's status codes and descriptions.
"""

from __future__ import annotations

import asyncio
import copy
import itertools
import json
import mimetypes
import re
import socket
import threading
import time
import traceback
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable, NamedTuple
from urllib.parse import parse_qsl, unquote, urlsplit

__all__ = ["FakeBotAPI", "Call", "Rejection", "UploadedFile", "parse_html", "utf16_len"]

DEFAULT_USER_ID = 1001


# --------------------------------------------------------------------------- records


class Call(NamedTuple):
    """One recorded request: method name, decoded params, JSON response (None if dropped)."""

    method: str
    params: dict
    response: dict | None
    time: float = 0.0  # time.perf_counter() when it was answered


class Rejection(NamedTuple):
    """A request the fake refused the way Telegram would."""

    method: str
    params: dict
    description: str


@dataclass
class UploadedFile:
    """A file part of a multipart/form-data request."""

    filename: str
    content: bytes
    mime_type: str


@dataclass
class _File:
    file_id: str
    file_unique_id: str
    file_path: str
    content: bytes
    file_name: str | None
    mime_type: str


@dataclass
class _Fault:
    status: int | None
    retry_after: int | None
    times: int
    drop: bool
    delay: float | None
    description: str | None
    malformed: bool = False


class _Reply(NamedTuple):
    status: int = 200
    content_type: str = "application/json"
    body: bytes = b""
    drop: bool = False


class ApiError(Exception):
    """Raised by method implementations; becomes an ``{"ok": false}`` response."""

    def __init__(self, code: int, description: str, parameters: dict | None = None):
        super().__init__(description)
        self.code, self.description, self.parameters = code, description, parameters

    def body(self) -> dict:
        out = {"ok": False, "error_code": self.code, "description": self.description}
        if self.parameters:
            out["parameters"] = self.parameters
        return out


def _bad(message: str) -> ApiError:
    return ApiError(400, f"Bad Request: {message}")


def _entities_error(message: str) -> ApiError:
    return _bad(f"can't parse entities: {message}")


# --------------------------------------------------------------------------- text parsing


def utf16_len(text: str) -> int:
    """Length of ``text`` in UTF-16 code units, the unit Telegram counts in."""
    return len(text.encode("utf-16-le")) // 2


def _byte_offset(text: str, index: int) -> int:
    return len(text[:index].encode("utf-8"))


class _Builder:
    """Accumulates plain text and tracks the current UTF-16 offset."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.pos = 0
        self.entities: list[dict] = []

    def add(self, s: str) -> None:
        self.parts.append(s)
        self.pos += utf16_len(s)

    def entity(self, start: int, type_: str, **extra: Any) -> None:
        if self.pos > start:
            self.entities.append({"type": type_, "offset": start, "length": self.pos - start, **extra})

    def result(self) -> tuple[str, list[dict]]:
        return "".join(self.parts), sorted(self.entities, key=lambda e: (e["offset"], -e["length"]))


_HTML_TAGS = {
    "b": "bold", "strong": "bold", "i": "italic", "em": "italic", "u": "underline",
    "ins": "underline", "s": "strikethrough", "strike": "strikethrough", "del": "strikethrough",
    "span": "spoiler", "tg-spoiler": "spoiler", "a": "text_link", "code": "code", "pre": "pre",
    "blockquote": "blockquote", "tg-emoji": "custom_emoji",
}
_HTML_ATTRS = {"a": {"href"}, "span": {"class"}, "code": {"class"},
               "blockquote": {"expandable"}, "tg-emoji": {"emoji-id"}}
_TAG_RE = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)")
_ATTR_RE = re.compile(r"""\s+([a-zA-Z][a-zA-Z0-9_-]*)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'<>=`]+)))?""")
_TAG_END_RE = re.compile(r"\s*>")
_ENTITY_RE = re.compile(r"&(?:(lt|gt|amp|quot)|#([0-9]{1,7})|#[xX]([0-9a-fA-F]{1,6}));")
_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_SPECIAL_RE = re.compile(r"[<>&]")


def _decode_entities(text: str, base: int = 0, whole: str | None = None) -> str:
    """Decode the only HTML entities Telegram accepts; a bare ``&``/``<``/``>`` is an error."""
    whole = text if whole is None else whole
    out, i = [], 0
    while (m := _SPECIAL_RE.search(text, i)) is not None:
        out.append(text[i:m.start()])
        at = _byte_offset(whole, base + m.start())
        if m.group() != "&":
            raise _entities_error(f"Unexpected {m.group()!r} at byte offset {at}; use "
                                 + ("&lt;" if m.group() == "<" else "&gt;"))
        ent = _ENTITY_RE.match(text, m.start())
        if ent is None:
            raise _entities_error(f"Unsupported HTML entity at byte offset {at}; use &amp;")
        if ent.group(1):
            out.append(_NAMED_ENTITIES[ent.group(1)])
        else:
            cp = int(ent.group(2), 10) if ent.group(2) else int(ent.group(3), 16)
            if not 0 < cp <= 0x10FFFF or 0xD800 <= cp <= 0xDFFF:
                raise _entities_error(f"Invalid character code in HTML entity at byte offset {at}")
            out.append(chr(cp))
        i = ent.end()
    out.append(text[i:])
    return "".join(out)


def parse_html(text: str) -> tuple[str, list[dict]]:
    """Parse Telegram HTML into (plain text, entities); raise ApiError(400) like Telegram."""
    b, stack, i = _Builder(), [], 0  # stack items: (name, attrs, start_pos, byte_offset)
    while i < len(text):
        lt = text.find("<", i)
        chunk_end = len(text) if lt < 0 else lt
        if chunk_end > i:
            b.add(_decode_entities(text[i:chunk_end], i, text))
        if lt < 0:
            break
        at = _byte_offset(text, lt)
        m = _TAG_RE.match(text, lt)
        if m is None:
            raise _entities_error(f"Unexpected '<' at byte offset {at}; use &lt;")
        closing, name, j, attrs = m.group(1), m.group(2).lower(), m.end(), {}
        while not closing and (a := _ATTR_RE.match(text, j)):
            raw = next((g for g in a.group(2, 3, 4) if g is not None), "")
            attrs[a.group(1).lower()] = _decode_entities(raw, a.start(), text)
            j = a.end()
        if (end := _TAG_END_RE.match(text, j)) is None:
            raise _entities_error(f'Can\'t find end of tag "{name}" at byte offset {at}')
        i = end.end()
        if closing:
            if not stack:
                raise _entities_error(f'Unexpected end tag "</{name}>" at byte offset {at}')
            top, top_attrs, start, _ = stack.pop()
            if top != name:
                raise _entities_error(
                    f'Unmatched end tag at byte offset {at}, expected "</{top}>", found "</{name}>"')
            _close_html_tag(b, stack, top, top_attrs, start)
            continue
        if name not in _HTML_TAGS:
            raise _entities_error(f'Unsupported start tag "{name}" at byte offset {at}')
        for attr in attrs:
            if attr not in _HTML_ATTRS.get(name, ()):
                raise _entities_error(f'Unsupported attribute "{attr}" of tag "{name}" at byte offset {at}')
        if name == "span" and attrs.get("class") != "tg-spoiler":
            raise _entities_error(f'Tag "span" must have class "tg-spoiler" at byte offset {at}')
        if name == "code" and "class" in attrs and not attrs["class"].startswith("language-"):
            raise _entities_error(f'Tag "code" class must start with "language-" at byte offset {at}')
        if name == "tg-emoji" and not attrs.get("emoji-id"):
            raise _entities_error(f'Tag "tg-emoji" must have attribute "emoji-id" at byte offset {at}')
        stack.append((name, attrs, b.pos, at))
    if stack:
        raise _entities_error(f'Can\'t find end tag corresponding to start tag "{stack[-1][0]}"')
    return b.result()


def _close_html_tag(b: _Builder, stack: list, name: str, attrs: dict, start: int) -> None:
    kind = _HTML_TAGS[name]
    if name == "a":
        if attrs.get("href"):
            b.entity(start, kind, url=attrs["href"])
    elif name == "blockquote":
        b.entity(start, "expandable_blockquote" if "expandable" in attrs else kind)
    elif name == "tg-emoji":
        b.entity(start, kind, custom_emoji_id=attrs["emoji-id"])
    elif name == "code" and "class" in attrs and stack and stack[-1][0] == "pre":
        stack[-1][1]["language"] = attrs["class"][len("language-"):]
    elif name == "pre" and attrs.get("language"):
        b.entity(start, kind, language=attrs["language"])
    else:
        b.entity(start, kind)


_MD2_RESERVED = set("_*[]()~`>#+-=|{}.!")
_MD2_TYPES = {"*": "bold", "_": "italic", "__": "underline", "~": "strikethrough", "||": "spoiler"}
_MD2_NAMES = {"*": "Bold", "_": "Italic", "__": "Underline", "~": "Strikethrough",
              "||": "Spoiler", "[": "TextUrl", "![": "CustomEmoji"}


def _scan_escaped(text: str, i: int, stop: str, what: str, at: int) -> tuple[str, int]:
    """Read until unescaped ``stop`` (backslash escapes any char 1..126); return (content, index)."""
    out = []
    while i < len(text) and not text.startswith(stop, i):
        if text[i] == "\\" and i + 1 < len(text) and 0 < ord(text[i + 1]) < 127:
            i += 1
        out.append(text[i])
        i += 1
    if i >= len(text):
        raise _entities_error(f"Can't find end of {what} entity at byte offset {at}")
    return "".join(out), i + len(stop)


def _split_language(content: str) -> tuple[str, str | None]:
    first, nl, rest = content.partition("\n")
    if nl and first and not any(c.isspace() for c in first):
        return rest, first
    return content, None


def parse_markdown_v2(text: str) -> tuple[str, list[dict]]:
    """Parse Telegram MarkdownV2: unescaped reserved characters and unclosed entities fail."""
    b, stack, i, quoted = _Builder(), [], 0, False  # stack items: (marker, start_pos, byte_offset)

    def toggle(mark: str) -> None:
        if stack and stack[-1][0] == mark:
            b.entity(stack.pop()[1], _MD2_TYPES[mark])
        elif any(s[0] == mark for s in stack):
            raise _entities_error(
                f"Can't find end of {_MD2_NAMES[stack[-1][0]]} entity at byte offset {stack[-1][2]}")
        else:
            stack.append((mark, b.pos, _byte_offset(text, i)))

    while i < len(text):
        c, at = text[i], _byte_offset(text, i)
        if i == 0 or text[i - 1] == "\n":
            quoted = False
            if text.startswith("**>", i) or c == ">":
                quoted, i = True, i + (3 if c == "*" else 1)
                continue
        if c == "\\":
            escaped = i + 1 < len(text) and 0 < ord(text[i + 1]) < 127
            b.add(text[i + 1] if escaped else c)
            i += 2 if escaped else 1
        elif c == "`":
            fence = "```" if text.startswith("```", i) else "`"
            content, i = _scan_escaped(text, i + len(fence), fence, "Pre" if fence == "```" else "Code", at)
            start = b.pos
            if fence == "```":
                content, lang = _split_language(content)
                b.add(content)
                b.entity(start, "pre", **({"language": lang} if lang else {}))
            else:
                b.add(content)
                b.entity(start, "code")
        elif c in "*~":
            toggle(c)
            i += 1
        elif c == "_":
            mark = "__" if text.startswith("__", i) and not (stack and stack[-1][0] == "_") else "_"
            toggle(mark)
            i += len(mark)
        elif c == "|" and text.startswith("||", i):
            at_eol = i + 2 == len(text) or text[i + 2] == "\n"
            if not (quoted and at_eol and not any(s[0] == "||" for s in stack)):
                toggle("||")
            i += 2
        elif c == "[" or text.startswith("![", i):
            mark = "[" if c == "[" else "!["
            stack.append((mark, b.pos, at))
            i += len(mark)
        elif c == "]" and stack and stack[-1][0] in ("[", "!["):
            mark, start, mark_at = stack.pop()
            if not text.startswith("(", i + 1):
                raise _entities_error(f"Can't find end of {_MD2_NAMES[mark]} entity at byte offset {mark_at}")
            url, i = _scan_escaped(text, i + 2, ")", "a URL", at)
            if mark == "[":
                b.entity(start, "text_link", url=url)
            else:
                b.entity(start, "custom_emoji", custom_emoji_id=url.rpartition("id=")[2])
        elif c in _MD2_RESERVED:
            raise _entities_error(f"Character '{c}' is reserved and must be escaped with the preceding '\\'")
        else:
            b.add(c)
            i += 1
    if stack:
        mark, _, at = stack[-1]
        raise _entities_error(f"Can't find end of {_MD2_NAMES[mark]} entity at byte offset {at}")
    return b.result()


def parse_markdown(text: str) -> tuple[str, list[dict]]:
    """Parse legacy Telegram Markdown (*bold* _italic_ `code` ```pre``` [text](url))."""
    b, i = _Builder(), 0
    while i < len(text):
        c, at = text[i], _byte_offset(text, i)
        if c == "\\" and text[i + 1:i + 2] in ("_", "*", "`", "["):
            b.add(text[i + 1])
            i += 2
        elif c in "*_`":
            fence = "```" if text.startswith("```", i) else c
            j = text.find(fence, i + len(fence))
            if j < 0:
                raise _entities_error(f"Can't find end of the entity starting at byte offset {at}")
            content, start, lang = text[i + len(fence):j], b.pos, None
            if fence == "```":
                content, lang = _split_language(content)
            b.add(content)
            kind = {"*": "bold", "_": "italic", "`": "code", "```": "pre"}[fence]
            b.entity(start, kind, **({"language": lang} if lang else {}))
            i = j + len(fence)
        elif c == "[":
            j = text.find("]", i + 1)
            if j < 0:
                raise _entities_error(f"Can't find end of the entity starting at byte offset {at}")
            start = b.pos
            b.add(text[i + 1:j])
            i = j + 1
            if text.startswith("(", i):
                k = text.find(")", i)
                if k < 0:
                    raise _entities_error(f"Can't find end of a URL at byte offset {at}")
                b.entity(start, "text_link", url=text[i + 1:k])
                i = k + 1
        else:
            b.add(c)
            i += 1
    return b.result()


_PARSERS: dict[str, Callable[[str], tuple[str, list[dict]]]] = {
    "html": parse_html, "markdownv2": parse_markdown_v2, "markdown": parse_markdown}


def _trim(plain: str, entities: list[dict]) -> tuple[str, list[dict]]:
    """Strip surrounding whitespace like Telegram and clip entities accordingly."""
    stripped = plain.strip()
    lead = utf16_len(plain[:len(plain) - len(plain.lstrip())])
    end = lead + utf16_len(stripped)
    out = []
    for e in entities:
        s, t = max(e["offset"], lead), min(e["offset"] + e["length"], end)
        if t > s:
            out.append({**e, "offset": s - lead, "length": t - s})
    return stripped, out


# --------------------------------------------------------------------------- request decoding

_JSON_FIELDS = {"reply_markup", "entities", "caption_entities", "commands", "scope", "results",
                "allowed_updates", "reply_parameters", "link_preview_options", "menu_button",
                "button", "media", "input_message_content"}
_INT_FIELDS = {"offset", "limit", "message_id", "cache_time", "user_id", "message_thread_id",
               "max_connections", "reply_to_message_id"}
_FLOAT_FIELDS = {"timeout"}
_CHAT_FIELDS = {"chat_id", "from_chat_id"}
_BOOL_FIELDS = {"disable_notification", "protect_content", "show_alert", "is_personal",
                "drop_pending_updates", "disable_web_page_preview", "allow_sending_without_reply",
                "disable_content_type_detection", "allow_paid_broadcast"}


def _as_string(value: Any) -> str:
    """Telegram turns every top-level JSON value into its textual form before parsing."""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def _coerce(params: dict[str, Any]) -> dict[str, Any]:
    """Convert raw string parameters to the types Telegram expects for them."""
    out: dict[str, Any] = {}
    for key, value in params.items():
        if isinstance(value, UploadedFile):
            out[key] = value
            continue
        try:
            if key in _JSON_FIELDS:
                value = json.loads(value)
            elif key in _INT_FIELDS:
                value = int(value)
            elif key in _FLOAT_FIELDS:
                value = float(value)
            elif key in _CHAT_FIELDS:
                value = int(value) if re.fullmatch(r"-?\d+", value.strip()) else value
            elif key in _BOOL_FIELDS:
                value = {"true": True, "1": True, "false": False, "0": False, "": False}[value.lower()]
        except (ValueError, KeyError) as exc:
            what = "reply keyboard markup" if key == "reply_markup" else key
            raise _bad(f"can't parse {what}: {exc}") from None
        out[key] = value
    return out


def _parse_multipart(body: bytes, content_type: str) -> dict[str, Any]:
    m = re.search(r'boundary="?([^";]+)"?', content_type)
    if not m:
        raise _bad("multipart boundary is missing")
    out: dict[str, Any] = {}
    for part in body.split(b"--" + m.group(1).encode())[1:]:
        if part.startswith(b"--"):
            break
        head, _, content = part.lstrip(b"\r\n").partition(b"\r\n\r\n")
        content = content[:-2] if content.endswith(b"\r\n") else content
        head_text = head.decode("utf-8", "replace")
        name = re.search(r'(?:^|[;\s])name="([^"]*)"', head_text)
        if not name:
            continue
        filename = re.search(r'filename="([^"]*)"', head_text)
        if filename:
            ctype = re.search(r"(?im)^content-type:\s*([^\s;]+)", head_text)
            out[name.group(1)] = UploadedFile(unquote(filename.group(1)), content,
                                              ctype.group(1) if ctype else "application/octet-stream")
        else:
            out[name.group(1)] = content.decode("utf-8")
    return out


def _decode_request(query: str, content_type: str, body: bytes) -> dict[str, Any]:
    raw: dict[str, Any] = dict(parse_qsl(query, keep_blank_values=True))
    ctype = content_type.lower()
    if body and ctype.startswith("application/json"):
        try:
            data = json.loads(body)
        except ValueError:
            raise _bad("can't parse JSON object") from None
        if not isinstance(data, dict):
            raise _bad("JSON body must be an object")
        raw.update({k: _as_string(v) for k, v in data.items() if v is not None})
    elif body and ctype.startswith("multipart/form-data"):
        raw.update(_parse_multipart(body, content_type))
    elif body:
        raw.update(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
    for key, value in list(raw.items()):  # attach://name references
        if isinstance(value, str) and value.startswith("attach://"):
            raw[key] = raw.pop(value[len("attach://"):], value)
    return _coerce(raw)


# --------------------------------------------------------------------------- HTTP plumbing


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "nginx/1.18.0"
    sys_version = ""
    server: _HTTPServer

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - silence
        pass

    def setup(self) -> None:
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # no 40 ms Nagle stalls
        self.server.api._track(self.connection, True)

    def finish(self) -> None:
        self.server.api._track(self.connection, False)
        try:
            super().finish()
        except OSError:
            pass

    def do_GET(self) -> None:
        self._serve()

    do_POST = do_GET

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while size := int(self.rfile.readline().split(b";")[0].strip() or b"0", 16):
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                pass
            return b"".join(chunks)
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _serve(self) -> None:
        reply = self.server.api._serve(self.path, self.headers.get("Content-Type", ""), self._read_body())
        if reply.drop:
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return
        try:
            self.send_response(reply.status)
            self.send_header("Content-Type", reply.content_type)
            self.send_header("Content-Length", str(len(reply.body)))
            self.end_headers()
            self.wfile.write(reply.body)
        except OSError:  # client gave up (e.g. timed out during an injected delay)
            self.close_connection = True


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    api: FakeBotAPI

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # socket errors of vanished clients; API errors are handled in _serve


def _json_reply(status: int, payload: dict) -> _Reply:
    return _Reply(status, "application/json", json.dumps(payload, ensure_ascii=False).encode())


_GATEWAY_HTML = ("<html>\r\n<head><title>{0}</title></head>\r\n<body>\r\n<center><h1>{0}</h1></center>"
                 "\r\n<hr><center>nginx/1.18.0</center>\r\n</body>\r\n</html>\r\n")
_PHRASES = {400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found",
            409: "Conflict", 429: "Too Many Requests", 500: "Internal Server Error",
            502: "Bad Gateway", 503: "Service Unavailable", 504: "Gateway Timeout"}
_METHODS: dict[str, tuple[str, Callable[..., Any]]] = {}


def _method(name: str) -> Callable:
    """Register a Bot API method implementation (names are case-insensitive, like Telegram)."""
    def deco(fn: Callable) -> Callable:
        _METHODS[name.lower()] = (name, fn)
        return fn
    return deco


# --------------------------------------------------------------------------- the fake

_INLINE_ACTIONS = ("callback_data", "url", "switch_inline_query", "switch_inline_query_current_chat",
                   "switch_inline_query_chosen_chat", "web_app", "login_url", "callback_game", "pay",
                   "copy_text")
_CHAT_ACTIONS = {"typing", "upload_photo", "record_video", "upload_video", "record_voice",
                 "upload_voice", "upload_document", "choose_sticker", "find_location",
                 "record_video_note", "upload_video_note"}
_SCOPES = {"default", "all_private_chats", "all_group_chats", "all_chat_administrators",
           "chat", "chat_administrators", "chat_member"}
_RESULT_TYPES = {"article", "photo", "gif", "mpeg4_gif", "video", "audio", "voice", "document",
                 "location", "venue", "contact", "game", "sticker"}
_DEFAULT_UPDATE_TYPES_EXCLUDED = {"chat_member", "message_reaction", "message_reaction_count"}
_CONTENT_KEYS = ("text", "entities", "caption", "caption_entities", "document", "photo", "sticker")
_NOT_MODIFIED = ("message is not modified: specified new message content and reply markup are "
                 "exactly the same as a current content and reply markup of the message")
_QUERY_TOO_OLD = "query is too old and response timeout expired or query ID is invalid"


class FakeBotAPI:
    """Fake Telegram Bot API server; thread-safe, usable from sync and async tests."""

    def __init__(self, token: str = "123456:TEST-TOKEN", bot_username: str = "diaspora_test_bot",
                 max_poll_timeout: float = 1.0) -> None:
        self.token = token
        self.bot_id = int(token.split(":", 1)[0])
        self.bot_username = bot_username
        self.max_poll_timeout = max_poll_timeout
        self.bot_user = {"id": self.bot_id, "is_bot": True, "first_name": "Diaspora Test Bot",
                         "username": bot_username, "can_join_groups": True,
                         "can_read_all_group_messages": False, "supports_inline_queries": True,
                         "can_connect_to_business": False, "has_main_web_app": False}
        self._cond = threading.Condition(threading.RLock())
        self._stopping = threading.Event()
        self._ids = itertools.count(1)
        self._calls: list[Call] = []
        self._errors: list[Rejection] = []
        self._updates: list[dict] = []
        self._next_update_id = 1
        self._allowed_updates: list[str] | None = None
        self._faults: dict[str, list[_Fault]] = {}
        self._chats: dict[int, dict] = {}
        self._blocked: set[int] = set()
        self._messages: dict[tuple[int, int], dict] = {}
        self._last_message_id: dict[int, int] = {}
        self._files: dict[str, _File] = {}
        self._callbacks: set[str] = set()
        self._inline_queries: set[str] = set()
        self._conns: set[socket.socket] = set()
        self.webhook_url = ""
        self.commands: dict[tuple[str, str], list[dict]] = {}
        self.menu_buttons: dict[int | None, dict] = {}
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None

    # ----------------------------------------------------------------- lifecycle

    def start(self) -> FakeBotAPI:
        """Bind 127.0.0.1 on a free port and serve in a daemon thread."""
        self._httpd = _HTTPServer(("127.0.0.1", 0), _Handler)
        self._httpd.api = self
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="FakeBotAPI", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, wake long polls and close open connections."""
        if self._httpd is None:
            return
        self._stopping.set()
        with self._cond:
            self._cond.notify_all()
            conns = list(self._conns)
        self._httpd.shutdown()
        for conn in conns:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        self._httpd.server_close()
        self._thread.join(5)
        self._httpd = None

    def __enter__(self) -> FakeBotAPI:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT``; the bot uses ``{base_url}/bot`` and ``{base_url}/file/bot``."""
        if self._httpd is None:
            raise RuntimeError("FakeBotAPI is not started")
        return f"http://127.0.0.1:{self._httpd.server_address[1]}"

    def _track(self, conn: socket.socket, add: bool) -> None:
        with self._cond:
            (self._conns.add if add else self._conns.discard)(conn)

    # ----------------------------------------------------------------- inspection

    @property
    def calls(self) -> list[Call]:
        """Every request so far (including rejected and fault-injected ones), oldest first."""
        with self._cond:
            return list(self._calls)

    @property
    def errors(self) -> list[Rejection]:
        """Requests rejected because the bot sent something Telegram refuses (not injected faults)."""
        with self._cond:
            return list(self._errors)

    def sent_messages(self, chat_id: int | str | None = None) -> list[dict]:
        """Params of accepted sendMessage/editMessageText calls, optionally for one chat, each with
        the `message_id` of the message it sent or edited."""
        with self._cond:
            return [{**c.params, "message_id": c.params.get("message_id") or c.response["result"]["message_id"]}
                    for c in self._calls
                    if c.method in ("sendMessage", "editMessageText") and c.response and c.response["ok"]
                    and (chat_id is None or c.params.get("chat_id") == chat_id)]

    def calls_to(self, method: str) -> list[Call]:
        """Recorded calls of one method."""
        return [c for c in self.calls if c.method.lower() == method.lower()]

    def message(self, chat_id: int, message_id: int) -> dict | None:
        """Current state of a message (after edits) as the chat would show it, or None."""
        with self._cond:
            return copy.deepcopy(self._messages.get((chat_id, message_id)))

    def my_commands(self, scope: dict | None = None, language_code: str = "") -> list[dict]:
        """Commands stored by setMyCommands for a scope/language."""
        with self._cond:
            return list(self.commands.get((self._scope_key(scope), language_code), []))

    def wait_for_sync(self, predicate: Callable[[FakeBotAPI], bool], timeout: float = 10) -> None:
        """Block until ``predicate(self)`` holds (re-checked on every request/update)."""
        with self._cond:
            if self._cond.wait_for(lambda: predicate(self) or self._stopping.is_set(), timeout) \
                    and predicate(self):
                return
            raise AssertionError(f"condition not met within {timeout}s; recorded calls:\n{self._describe()}")

    async def wait_for(self, predicate: Callable[[FakeBotAPI], bool], timeout: float = 10) -> None:
        """Async variant of :meth:`wait_for_sync` (waits in a worker thread)."""
        await asyncio.to_thread(self.wait_for_sync, predicate, timeout)

    def _describe(self, limit: int = 40) -> str:
        def short(obj: Any) -> str:
            s = json.dumps(obj, ensure_ascii=False, default=repr)
            return s if len(s) <= 300 else s[:297] + "..."
        shown = [c for c in self._calls
                 if not (c.method == "getUpdates" and c.response and c.response.get("result") == [])]
        return "\n".join(f"  {c.method}({short(c.params)}) -> {short(c.response)}"
                         for c in shown[-limit:]) or "  (none)"

    # ----------------------------------------------------------------- fault injection & setup

    def fail_next(self, method: str, status: int | None = None, retry_after: int | None = None,
                  times: int = 1, drop: bool = False, delay: float | None = None,
                  description: str | None = None, malformed: bool = False) -> None:
        """Make the next ``times`` calls of ``method`` fail.

        ``retry_after`` -> 429 with ``parameters.retry_after``; ``status`` -> that error
        (502/503/504 get nginx's HTML body); ``drop`` -> close the connection without a
        response; ``delay`` -> sleep first (alone: then the call is processed normally,
        as when Telegram acts on a request whose client already timed out); ``malformed`` ->
        status 200 with a truncated JSON body (the request is not acted on).
        """
        if status is None and retry_after is not None:
            status = 429
        if status is None and not drop and delay is None and not malformed:
            status = 500
        with self._cond:
            self._faults.setdefault(method.lower(), []).append(
                _Fault(status, retry_after, times, drop, delay, description, malformed))

    def block_user(self, user_id: int) -> None:
        """Make sends to this private chat fail with 403 "bot was blocked by the user"."""
        with self._cond:
            self._blocked.add(user_id)

    def add_chat(self, chat: dict) -> dict:
        """Make a chat known (pushed updates do this automatically)."""
        with self._cond:
            self._chats[chat["id"]] = chat
            return chat

    def add_file(self, content: bytes, file_name: str | None = None, mime_type: str | None = None,
                 kind: str = "documents") -> dict:
        """Register a downloadable file; returns {file_id, file_unique_id, file_size, file_path}."""
        with self._cond:
            n = next(self._ids)
            mime = mime_type or (mimetypes.guess_type(file_name)[0] if file_name else None) \
                or "application/octet-stream"
            ext = ("." + file_name.rsplit(".", 1)[1]) if file_name and "." in file_name \
                else (mimetypes.guess_extension(mime) or "")
            f = _File(f"BQACAgIAAxkBAAIF{n:06d}", f"AgAD{n:06d}", f"{kind}/file_{n}{ext}",
                      bytes(content), file_name, mime)
            self._files[f.file_id] = f
            return self._file_info(f)

    @staticmethod
    def _file_info(f: _File) -> dict:
        return {"file_id": f.file_id, "file_unique_id": f.file_unique_id,
                "file_size": len(f.content), "file_path": f.file_path}

    # ----------------------------------------------------------------- pushing updates

    def push_update(self, update: dict) -> dict:
        """Queue an update (assigning ``update_id`` if missing) and wake long polls."""
        with self._cond:
            if "update_id" not in update:
                update["update_id"] = self._next_update_id
            self._next_update_id = max(self._next_update_id, update["update_id"] + 1)
            self._absorb(update)
            self._updates.append(update)
            self._cond.notify_all()
            return update

    def _absorb(self, update: dict) -> None:
        """Learn chats, messages and query ids from an update so the bot may act on them."""
        for key in ("message", "edited_message", "channel_post", "edited_channel_post"):
            if (msg := update.get(key)) and "chat" in msg and "message_id" in msg:
                self._store_message(msg)
        if cq := update.get("callback_query"):
            self._callbacks.add(cq["id"])
            if cq.get("message", {}).get("chat"):
                self._store_message(copy.deepcopy(cq["message"]))
        if iq := update.get("inline_query"):
            self._inline_queries.add(iq["id"])

    def _store_message(self, msg: dict) -> None:
        chat = msg["chat"]
        self._chats.setdefault(chat["id"], chat)
        self._last_message_id[chat["id"]] = max(self._last_message_id.get(chat["id"], 0), msg["message_id"])
        self._messages[(chat["id"], msg["message_id"])] = msg

    def _next_message_id(self, chat_id: int) -> int:
        self._last_message_id[chat_id] = self._last_message_id.get(chat_id, 0) + 1
        return self._last_message_id[chat_id]

    @staticmethod
    def _user(user_id: int, first_name: str = "Test", language_code: str | None = "en") -> dict:
        user = {"id": user_id, "is_bot": False, "first_name": first_name}
        if language_code:
            user["language_code"] = language_code
        return user

    @staticmethod
    def _chat_for(user: dict, chat_id: int | None, chat_type: str) -> dict:
        if chat_type == "private":
            return {"id": chat_id or user["id"], "type": "private", "first_name": user["first_name"]}
        default_id = -user["id"] if chat_type == "group" else -1000000000000 - user["id"]
        return {"id": chat_id or default_id, "type": chat_type, "title": "Test group"}

    def _user_message(self, user_id: int, chat_id: int | None, chat_type: str, first_name: str,
                      language_code: str | None, reply_to_message_id: int | None = None,
                      **content: Any) -> dict:
        with self._cond:
            user = self._user(user_id, first_name, language_code)
            chat = self._chat_for(user, chat_id, chat_type)
            chat = self._chats.get(chat["id"], chat)
            if reply_to_message_id is not None:
                content["reply_to_message"] = self._reply_copy(
                    self._messages.get((chat["id"], reply_to_message_id))) or {
                    "message_id": reply_to_message_id, "date": int(time.time()), "chat": chat}
            msg = {"message_id": self._next_message_id(chat["id"]), "from": user, "chat": chat,
                   "date": int(time.time()), **{k: v for k, v in content.items() if v is not None}}
            return self.push_update({"message": msg})

    def push_message(self, text: str, user_id: int = DEFAULT_USER_ID, chat_id: int | None = None,
                     chat_type: str = "private", language_code: str | None = "en",
                     first_name: str = "Test", reply_to_message_id: int | None = None,
                     entities: list[dict] | None = None) -> dict:
        """Push a text message from a user (``reply_to_message_id`` may name any known message)."""
        return self._user_message(user_id, chat_id, chat_type, first_name, language_code,
                                  reply_to_message_id, text=text, entities=entities)

    def push_command(self, command: str, user_id: int = DEFAULT_USER_ID, **kwargs: Any) -> dict:
        """Push ``/command [args]`` with its bot_command entity (other kwargs as push_message)."""
        text = command if command.startswith("/") else "/" + command
        entity = {"type": "bot_command", "offset": 0, "length": utf16_len(text.split(maxsplit=1)[0])}
        extra = kwargs.pop("entities", None) or []
        return self.push_message(text, user_id=user_id, entities=[entity, *extra], **kwargs)

    def push_callback(self, data: str, user_id: int = DEFAULT_USER_ID, message_id: int | None = None,
                      chat_id: int | None = None, language_code: str | None = "en") -> dict:
        """Push a button press on a bot message (default: the bot's latest message in the chat)."""
        with self._cond:
            user = self._user(user_id, language_code=language_code)
            cid = chat_id if chat_id is not None else user_id
            chat = self._chats.get(cid) or self._chat_for(user, cid, "private")
            if message_id is None:
                mine = [k[1] for k, m in self._messages.items()
                        if k[0] == cid and m.get("from", {}).get("id") == self.bot_id]
                message_id = max(mine) if mine else None
            msg = self._messages.get((cid, message_id)) if message_id is not None else None
            if msg is None:  # unknown message: fabricate a bot message so edits work
                msg = {"message_id": message_id or self._next_message_id(cid), "from": self.bot_user,
                       "chat": chat, "date": int(time.time()), "text": "..."}
                self._store_message(msg)
            cq = {"id": str(next(self._ids) + 4000000000000000000), "from": user,
                  "chat_instance": str(abs(hash((self.bot_id, cid)))),
                  "message": copy.deepcopy(msg), "data": data}
            return self.push_update({"callback_query": cq})

    def push_document(self, file_name: str, content: bytes, user_id: int = DEFAULT_USER_ID,
                      mime_type: str | None = None, caption: str | None = None,
                      chat_id: int | None = None, chat_type: str = "private") -> dict:
        """Push a document upload; the file is downloadable via getFile."""
        info = self.add_file(content, file_name, mime_type)
        doc = {"file_id": info["file_id"], "file_unique_id": info["file_unique_id"],
               "file_name": file_name, "mime_type": self._files[info["file_id"]].mime_type,
               "file_size": info["file_size"]}
        return self._user_message(user_id, chat_id, chat_type, "Test", "en", document=doc, caption=caption)

    def push_sticker(self, user_id: int = DEFAULT_USER_ID, emoji: str = "👍",
                     chat_id: int | None = None) -> dict:
        """Push a (regular, static) sticker."""
        info = self.add_file(b"RIFF\x00\x00\x00\x00WEBPVP8 ", "sticker.webp", "image/webp", "stickers")
        sticker = {"file_id": info["file_id"], "file_unique_id": info["file_unique_id"], "type": "regular",
                   "width": 512, "height": 512, "is_animated": False, "is_video": False,
                   "emoji": emoji, "file_size": info["file_size"]}
        return self._user_message(user_id, chat_id, "private", "Test", "en", sticker=sticker)

    def push_photo(self, user_id: int = DEFAULT_USER_ID, caption: str | None = None,
                   chat_id: int | None = None) -> dict:
        """Push a photo (two sizes, both downloadable)."""
        sizes = []
        for w, h in ((90, 67), (800, 600)):
            info = self.add_file(b"\xff\xd8\xff\xe0fakejpeg" + bytes(w), f"photo_{w}.jpg",
                                 "image/jpeg", "photos")
            sizes.append({"file_id": info["file_id"], "file_unique_id": info["file_unique_id"],
                          "file_size": info["file_size"], "width": w, "height": h})
        return self._user_message(user_id, chat_id, "private", "Test", "en", photo=sizes, caption=caption)

    def push_voice(self, content: bytes, duration: int, user_id: int = DEFAULT_USER_ID,
                   chat_id: int | None = None, chat_type: str = "private",
                   language_code: str | None = "en", mime_type: str = "audio/ogg") -> dict:
        """Push a voice note (OGG/Opus as Telegram's apps record it); downloadable via getFile."""
        info = self.add_file(content, "voice.oga", mime_type, "voice")
        voice = {"file_id": info["file_id"], "file_unique_id": info["file_unique_id"],
                 "duration": duration, "mime_type": mime_type, "file_size": info["file_size"]}
        return self._user_message(user_id, chat_id, chat_type, "Test", language_code, voice=voice)

    def push_inline_query(self, query: str, user_id: int = DEFAULT_USER_ID,
                          language_code: str | None = "en", offset: str = "") -> dict:
        """Push an inline query."""
        iq = {"id": str(next(self._ids) + 3000000000000000000),
              "from": self._user(user_id, language_code=language_code),
              "query": query, "offset": offset, "chat_type": "sender"}
        return self.push_update({"inline_query": iq})

    # ----------------------------------------------------------------- request handling

    def _serve(self, raw_path: str, content_type: str, body: bytes) -> _Reply:
        """Route one HTTP request; returns what the handler should write."""
        url = urlsplit(raw_path)
        path = unquote(url.path)
        if path.startswith("/file/bot"):
            token, _, file_path = path[len("/file/bot"):].partition("/")
            with self._cond:
                f = next((f for f in self._files.values() if f.file_path == file_path), None)
            if token != self.token or f is None:
                return _json_reply(404, {"ok": False, "error_code": 404, "description": "Not Found"})
            return _Reply(200, f.mime_type, f.content)
        if not path.startswith("/bot"):
            return _json_reply(404, {"ok": False, "error_code": 404, "description": "Not Found"})
        token, _, name = path[len("/bot"):].partition("/")
        try:
            params, parse_error = _decode_request(url.query, content_type, body), None
        except ApiError as exc:
            params, parse_error = {}, exc
        except Exception as exc:  # undecodable body
            params, parse_error = {}, _bad(f"can't parse request: {exc}")
        if token != self.token:
            return self._finish(name or path, params, ApiError(401, "Unauthorized"))
        if name.lower() not in _METHODS:
            return self._finish(name or path, params, ApiError(404, "Not Found"))
        method, impl = _METHODS[name.lower()]
        if (fault := self._take_fault(method)) is not None:
            if fault.delay:
                self._stopping.wait(fault.delay)
            if fault.drop:
                self._finish(method, params, None, injected=True)
                return _Reply(drop=True)
            if fault.malformed:
                self._finish(method, params, None, injected=True)
                return _Reply(200, "application/json", b'{"ok":true,"result":[{"update_id":')
            if fault.status:
                desc = fault.description or _PHRASES.get(fault.status, "Error")
                if fault.retry_after is not None:
                    desc = fault.description or f"Too Many Requests: retry after {fault.retry_after}"
                err = ApiError(fault.status, desc,
                               {"retry_after": fault.retry_after} if fault.retry_after is not None else None)
                return self._finish(method, params, err, injected=True)
        with self._cond:
            try:
                if parse_error:
                    raise parse_error
                result: Any = impl(self, params)
            except ApiError as exc:
                result = exc
            except Exception:  # a bug in the fake: surface it loudly
                result = ApiError(500, "Internal Server Error: FakeBotAPI crashed:\n"
                                  + traceback.format_exc())
            return self._finish(method, params, result)

    def _finish(self, method: str, params: dict, result: Any, injected: bool = False) -> _Reply:
        """Record the call, wake waiters and build the HTTP reply."""
        if isinstance(result, ApiError):
            response, status = result.body(), result.code
        elif result is None and injected:
            response, status = None, 0
        else:
            response, status = {"ok": True, "result": result}, 200
        with self._cond:
            self._calls.append(Call(method, params, copy.deepcopy(response), time.perf_counter()))
            if isinstance(result, ApiError) and not injected:
                self._errors.append(Rejection(method, params, result.description))
            self._cond.notify_all()
        if injected and status in (502, 503, 504):
            return _Reply(status, "text/html", _GATEWAY_HTML.format(f"{status} {_PHRASES[status]}").encode())
        return _json_reply(status, response) if response is not None else _Reply(drop=True)

    def _take_fault(self, method: str) -> _Fault | None:
        with self._cond:
            queue = self._faults.get(method.lower())
            if not queue:
                return None
            fault = queue[0]
            fault.times -= 1
            if fault.times <= 0:
                queue.pop(0)
            return fault

    # ----------------------------------------------------------------- validation helpers

    def _chat(self, p: dict, key: str = "chat_id", send: bool = False) -> dict:
        cid = p.get(key)
        if cid in (None, ""):
            raise _bad(f"{key} is empty")
        if isinstance(cid, str):
            chat = next((c for c in self._chats.values() if "@" + str(c.get("username")) == cid), None)
        else:
            chat = self._chats.get(cid)
        if chat is None:
            raise _bad("chat not found")
        if send and chat["id"] in self._blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        return chat

    @staticmethod
    def _format(text: Any, parse_mode: Any, entities: Any, limit: int, caption: bool = False
                ) -> tuple[str, list[dict]]:
        """Validate text/caption and return (plain text, entities) as Telegram would store them."""
        mode = (parse_mode or "").lower()
        if mode and mode not in _PARSERS:
            raise _bad("unsupported parse_mode")
        text = "" if text is None else text
        if mode:
            plain, ents = _PARSERS[mode](text)
        elif entities is not None:
            if not isinstance(entities, list) or not all(
                    isinstance(e, dict) and isinstance(e.get("type"), str)
                    and isinstance(e.get("offset"), int) and isinstance(e.get("length"), int)
                    for e in entities):
                raise _bad("can't parse entities JSON object")
            plain, ents = text, entities
        else:
            plain, ents = text, []
        plain, ents = _trim(plain, ents)
        if not plain and not caption:
            raise _bad("message text is empty")
        if utf16_len(plain) > limit:
            raise _bad("message caption is too long" if caption else "message is too long")
        return plain, ents

    @staticmethod
    def _markup(p: dict, inline_only: bool = False, key: str = "reply_markup") -> dict | None:
        """Validate reply_markup; returns the inline keyboard (the only kind stored on messages)."""
        m = p.get(key)
        if m is None:
            return None
        if not isinstance(m, dict):
            raise _bad("can't parse reply keyboard markup JSON object")
        if "inline_keyboard" in m:
            rows = m["inline_keyboard"]
            if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
                raise _bad('can\'t parse inline keyboard: "inline_keyboard" must be an Array of Arrays')
            buttons = [b for row in rows for b in row]
            if len(buttons) > 100:
                raise _bad("reply markup is too long")
            for b in buttons:
                FakeBotAPI._check_button(b)
            return {"inline_keyboard": rows}
        if inline_only:
            raise _bad("inline keyboard expected")
        if "keyboard" in m:
            rows = m["keyboard"]
            if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
                raise _bad("can't parse keyboard: field \"keyboard\" must be an Array of Arrays")
            for b in (b for row in rows for b in row):
                text = b if isinstance(b, str) else b.get("text") if isinstance(b, dict) else None
                if not isinstance(text, str) or not text.strip():
                    raise _bad("keyboard button text is empty")
            return None
        if m.get("remove_keyboard") is True or m.get("force_reply") is True:
            return None
        raise _bad("can't parse reply keyboard markup JSON object")

    @staticmethod
    def _check_button(b: Any) -> None:
        if not isinstance(b, dict) or not isinstance(b.get("text"), str):
            raise _bad('can\'t parse inline keyboard button: Field "text" must be of type String')
        if not b["text"].strip():
            raise _bad("BUTTON_TEXT_INVALID")
        actions = [k for k in _INLINE_ACTIONS if k in b]
        if not actions:
            raise _bad("can't parse inline keyboard button: "
                       "Text buttons are unallowed in the inline keyboard")
        if len(actions) > 1:
            raise _bad(f"can't parse inline keyboard button: exactly one action expected, got {actions}")
        if "callback_data" in b:
            data = b["callback_data"]
            if not isinstance(data, str) or not 1 <= len(data.encode("utf-8")) <= 64:
                raise _bad("BUTTON_DATA_INVALID")
        if "url" in b:
            url = b["url"] if isinstance(b["url"], str) else ""
            parts = urlsplit(url)
            ok = (parts.scheme in ("http", "https") and parts.netloc) or (
                parts.scheme == "tg" and len(url) > 5)
            if not ok:
                raise _bad("BUTTON_URL_INVALID")
        for key in ("switch_inline_query", "switch_inline_query_current_chat"):
            if key in b and not isinstance(b[key], str):
                raise _bad(f'can\'t parse inline keyboard button: Field "{key}" must be of type String')

    def _reply_to(self, p: dict, chat: dict) -> dict:
        rp = p.get("reply_parameters")
        if rp is None and p.get("reply_to_message_id"):
            rp = {"message_id": p["reply_to_message_id"],
                  "allow_sending_without_reply": p.get("allow_sending_without_reply", False)}
        if rp is None:
            return {}
        if not isinstance(rp, dict) or not isinstance(rp.get("message_id"), int):
            raise _bad("can't parse reply parameters JSON object")
        target = self._messages.get((rp.get("chat_id", chat["id"]), rp["message_id"]))
        if target is None:
            if rp.get("allow_sending_without_reply"):
                return {}
            raise _bad("message to be replied not found")
        return {"reply_to_message": self._reply_copy(target)}

    @staticmethod
    def _reply_copy(msg: dict | None) -> dict | None:
        if msg is None:
            return None
        out = copy.deepcopy(msg)
        out.pop("reply_to_message", None)
        return out

    def _bot_message(self, chat: dict, **fields: Any) -> dict:
        msg = {"message_id": self._next_message_id(chat["id"]), "from": self.bot_user, "chat": chat,
               "date": int(time.time()), **fields}
        self._store_message(msg)
        return self._compact(msg)

    @staticmethod
    def _compact(msg: dict) -> dict:
        """Drop empty optional fields in place (Telegram omits them); return a copy."""
        for key in [k for k, v in msg.items() if v in (None, [], "")]:
            del msg[key]
        return copy.deepcopy(msg)

    def _target(self, p: dict, verb: str) -> dict:
        chat = self._chat(p)
        if p.get("message_id") is None:
            raise _bad("message identifier is not specified")
        msg = self._messages.get((chat["id"], p["message_id"]))
        if msg is None:
            raise _bad(f"message to {verb} not found")
        return msg

    @staticmethod
    def _scope_key(scope: dict | None) -> str:
        return json.dumps(scope or {"type": "default"}, sort_keys=True)

    def _scope_and_language(self, p: dict) -> tuple[str, str]:
        scope, lang = p.get("scope"), p.get("language_code", "")
        if scope is not None:
            if not isinstance(scope, dict) or scope.get("type") not in _SCOPES:
                raise _bad("can't parse BotCommandScope JSON object")
            if scope["type"].startswith("chat") and scope.get("chat_id") in (None, ""):
                raise _bad("chat_id is empty")
            if scope["type"] == "chat_member" and not scope.get("user_id"):
                raise _bad("user_id is empty")
        if lang and not re.fullmatch(r"[a-z]{2}", lang):
            raise _bad("invalid language code specified")
        return self._scope_key(scope), lang

    # ----------------------------------------------------------------- Bot API methods

    @_method("getMe")
    def _get_me(self, p: dict) -> dict:
        return dict(self.bot_user)

    @_method("logOut")
    def _log_out(self, p: dict) -> bool:
        return True

    @_method("close")
    def _close(self, p: dict) -> bool:
        return True

    @_method("getUpdates")
    def _get_updates(self, p: dict) -> list[dict]:
        if self.webhook_url:
            raise ApiError(409, "Conflict: can't use getUpdates method while webhook is active; "
                                "use deleteWebhook to delete the webhook first")
        offset, limit = p.get("offset", 0), min(max(p.get("limit", 100), 1), 100)
        timeout = min(max(p.get("timeout", 0.0), 0.0), self.max_poll_timeout)
        if "allowed_updates" in p:
            allowed = p["allowed_updates"]
            if not isinstance(allowed, list):
                raise _bad("can't parse allowed_updates JSON array")
            self._allowed_updates = allowed or None
        if offset < 0:
            self._updates = self._updates[offset:]
        elif offset:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]

        def deliverable() -> list[dict]:
            def wanted(u: dict) -> bool:
                kind = next(k for k in u if k != "update_id")
                if self._allowed_updates is None:
                    return kind not in _DEFAULT_UPDATE_TYPES_EXCLUDED
                return kind in self._allowed_updates
            self._updates = [u for u in self._updates if wanted(u)]  # unwanted ones are never sent
            return self._updates[:limit]

        self._cond.wait_for(lambda: deliverable() or self._stopping.is_set(), timeout)
        return copy.deepcopy(deliverable())

    @_method("setWebhook")
    def _set_webhook(self, p: dict) -> bool:
        url = p.get("url", "")
        if url and not url.startswith("https://"):
            raise _bad("bad webhook: An HTTPS URL must be provided for webhook")
        if p.get("drop_pending_updates"):
            self._updates.clear()
        self.webhook_url = url
        return True

    @_method("deleteWebhook")
    def _delete_webhook(self, p: dict) -> bool:
        if p.get("drop_pending_updates"):
            self._updates.clear()
        self.webhook_url = ""
        return True

    @_method("getWebhookInfo")
    def _get_webhook_info(self, p: dict) -> dict:
        return {"url": self.webhook_url, "has_custom_certificate": False,
                "pending_update_count": len(self._updates)}

    @_method("setMyCommands")
    def _set_my_commands(self, p: dict) -> bool:
        commands = p.get("commands")
        if not isinstance(commands, list):
            raise _bad("can't parse commands JSON array")
        if len(commands) > 100:
            raise _bad("BOT_COMMANDS_TOO_MUCH")
        for c in commands:
            if not isinstance(c, dict) or not re.fullmatch(r"[a-z0-9_]{1,32}", str(c.get("command", ""))):
                raise _bad("BOT_COMMAND_INVALID")
            desc = c.get("description")
            if not isinstance(desc, str) or not 1 <= len(desc.strip()) <= 256 or len(desc) > 256:
                raise _bad("BOT_COMMAND_DESCRIPTION_INVALID")
        key = self._scope_and_language(p)
        self.commands[key] = [{"command": c["command"], "description": c["description"]} for c in commands]
        return True

    @_method("getMyCommands")
    def _get_my_commands(self, p: dict) -> list[dict]:
        return list(self.commands.get(self._scope_and_language(p), []))

    @_method("deleteMyCommands")
    def _delete_my_commands(self, p: dict) -> bool:
        self.commands.pop(self._scope_and_language(p), None)
        return True

    @_method("setChatMenuButton")
    def _set_chat_menu_button(self, p: dict) -> bool:
        button = p.get("menu_button", {"type": "default"})
        if not isinstance(button, dict) or button.get("type") not in ("default", "commands", "web_app"):
            raise _bad("can't parse menu button JSON object")
        if button["type"] == "web_app" and not (
                button.get("text") and str(button.get("web_app", {}).get("url", "")).startswith("https://")):
            raise _bad("BUTTON_INVALID")
        chat_id = self._chat(p)["id"] if p.get("chat_id") is not None else None
        self.menu_buttons[chat_id] = button
        return True

    @_method("getChatMenuButton")
    def _get_chat_menu_button(self, p: dict) -> dict:
        chat_id = self._chat(p)["id"] if p.get("chat_id") is not None else None
        return self.menu_buttons.get(chat_id, self.menu_buttons.get(None, {"type": "default"}))

    @_method("sendMessage")
    def _send_message(self, p: dict) -> dict:
        chat = self._chat(p, send=True)
        text, entities = self._format(p.get("text"), p.get("parse_mode"), p.get("entities"), 4096)
        markup = self._markup(p)
        return self._bot_message(chat, text=text, entities=entities, reply_markup=markup,
                                 **self._reply_to(p, chat))

    @_method("editMessageText")
    def _edit_message_text(self, p: dict) -> dict | bool:
        text, entities = self._format(p.get("text"), p.get("parse_mode"), p.get("entities"), 4096)
        markup = self._markup(p, inline_only=True)
        if p.get("inline_message_id"):
            return True
        msg = self._target(p, "edit")
        if msg.get("from", {}).get("id") != self.bot_id:
            raise _bad("message can't be edited")
        if "text" not in msg:
            raise _bad("there is no text in the message to edit")
        if (msg["text"], msg.get("entities", []), msg.get("reply_markup")) == (text, entities, markup):
            raise _bad(_NOT_MODIFIED)
        msg.update(text=text, entities=entities, reply_markup=markup, edit_date=int(time.time()))
        return self._compact(msg)

    @_method("editMessageReplyMarkup")
    def _edit_message_reply_markup(self, p: dict) -> dict | bool:
        markup = self._markup(p, inline_only=True)
        if p.get("inline_message_id"):
            return True
        msg = self._target(p, "edit")
        if msg.get("from", {}).get("id") != self.bot_id:
            raise _bad("message can't be edited")
        if msg.get("reply_markup") == markup:
            raise _bad(_NOT_MODIFIED)
        msg.update(reply_markup=markup, edit_date=int(time.time()))
        return self._compact(msg)

    @_method("deleteMessage")
    def _delete_message(self, p: dict) -> bool:
        msg = self._target(p, "delete")
        del self._messages[(msg["chat"]["id"], msg["message_id"])]
        return True

    @_method("answerCallbackQuery")
    def _answer_callback_query(self, p: dict) -> bool:
        if p.get("callback_query_id") not in self._callbacks:
            raise _bad(_QUERY_TOO_OLD)
        if len(p.get("text") or "") > 200:
            raise _bad("MESSAGE_TOO_LONG")
        self._callbacks.discard(p["callback_query_id"])
        return True

    @_method("answerInlineQuery")
    def _answer_inline_query(self, p: dict) -> bool:
        if p.get("inline_query_id") not in self._inline_queries:
            raise _bad(_QUERY_TOO_OLD)
        results = p.get("results")
        if not isinstance(results, list):
            raise _bad("can't parse inline query results JSON array")
        if len(results) > 50:
            raise _bad("RESULTS_TOO_MUCH")
        seen: set[str] = set()
        for r in results:
            if not isinstance(r, dict) or r.get("type") not in _RESULT_TYPES:
                raise _bad("RESULT_TYPE_INVALID")
            rid = r.get("id")
            if not isinstance(rid, str) or not 1 <= len(rid.encode("utf-8")) <= 64:
                raise _bad("RESULT_ID_INVALID")
            if rid in seen:
                raise _bad("RESULT_ID_DUPLICATE")
            seen.add(rid)
            content = r.get("input_message_content")
            if r["type"] == "article":
                if not isinstance(r.get("title"), str) or not r["title"].strip():
                    raise _bad('can\'t parse inline query result: Field "title" must be of type String')
                if not isinstance(content, dict):
                    raise _bad("can't parse inline query result: "
                               'Field "input_message_content" must be of type Object')
            if isinstance(content, dict) and "message_text" in content:
                self._format(content["message_text"], content.get("parse_mode"),
                             content.get("entities"), 4096)
            if "caption" in r:
                self._format(r["caption"], r.get("parse_mode"), r.get("caption_entities"), 1024, caption=True)
            self._markup(r, inline_only=True)
        if len(str(p.get("next_offset", "")).encode("utf-8")) > 64:
            raise _bad("NEXT_OFFSET_INVALID")
        self._inline_queries.discard(p["inline_query_id"])
        return True

    @_method("sendDocument")
    def _send_document(self, p: dict) -> dict:
        chat = self._chat(p, send=True)
        doc = p.get("document")
        if isinstance(doc, UploadedFile):
            if not doc.content:
                raise _bad("file must be non-empty")
            info = self.add_file(doc.content, doc.filename, doc.mime_type)
            f = self._files[info["file_id"]]
        elif isinstance(doc, str) and doc in self._files:
            f = self._files[doc]
        elif isinstance(doc, str) and re.match(r"https?://[^/]", doc):
            f = self._files[self.add_file(b"remote", doc.rsplit("/", 1)[-1] or "file")["file_id"]]
        elif not doc:
            raise _bad("there is no document in the request")
        else:
            raise _bad("wrong file identifier/HTTP URL specified")
        caption, caption_entities = self._format(p.get("caption"), p.get("parse_mode"),
                                                 p.get("caption_entities"), 1024, caption=True)
        document = {"file_id": f.file_id, "file_unique_id": f.file_unique_id, "file_name": f.file_name,
                    "mime_type": f.mime_type, "file_size": len(f.content)}
        return self._bot_message(chat, document={k: v for k, v in document.items() if v is not None},
                                 caption=caption, caption_entities=caption_entities,
                                 reply_markup=self._markup(p), **self._reply_to(p, chat))

    @_method("sendChatAction")
    def _send_chat_action(self, p: dict) -> bool:
        self._chat(p, send=True)
        if p.get("action") not in _CHAT_ACTIONS:
            raise _bad("wrong parameter action in request")
        return True

    @_method("getFile")
    def _get_file(self, p: dict) -> dict:
        f = self._files.get(p.get("file_id", ""))
        if f is None:
            raise _bad("invalid file_id")
        if len(f.content) > 20 * 1024 * 1024:
            raise _bad("file is too big")
        return self._file_info(f)

    def _copy_source(self, p: dict, verb: str) -> tuple[dict, dict]:
        chat = self._chat(p, send=True)
        source_chat = self._chat(p, "from_chat_id")
        if p.get("message_id") is None:
            raise _bad("message identifier is not specified")
        src = self._messages.get((source_chat["id"], p["message_id"]))
        if src is None:
            raise _bad(f"message to {verb} not found")
        return chat, {k: copy.deepcopy(src[k]) for k in _CONTENT_KEYS if k in src}

    @_method("copyMessage")
    def _copy_message(self, p: dict) -> dict:
        chat, content = self._copy_source(p, "copy")
        if "caption" in p:
            caption, ents = self._format(p["caption"], p.get("parse_mode"), p.get("caption_entities"),
                                         1024, caption=True)
            content.update(caption=caption, caption_entities=ents)
        msg = self._bot_message(chat, reply_markup=self._markup(p), **content, **self._reply_to(p, chat))
        return {"message_id": msg["message_id"]}

    @_method("forwardMessage")
    def _forward_message(self, p: dict) -> dict:
        chat, content = self._copy_source(p, "forward")
        src = self._messages[(self._chat(p, "from_chat_id")["id"], p["message_id"])]
        origin = {"type": "user", "sender_user": src.get("from", self.bot_user), "date": src["date"]}
        return self._bot_message(chat, forward_origin=origin, **content)

    @_method("getChat")
    def _get_chat(self, p: dict) -> dict:
        chat = dict(self._chat(p))
        chat.update(accent_color_id=0, max_reaction_count=11, accepted_gift_types={
            "unlimited_gifts": False, "limited_gifts": False, "unique_gifts": False,
            "premium_subscription": False, "gifts_from_channels": False})
        return chat
