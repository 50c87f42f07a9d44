"""One redaction for every log line: the bot token, and the content of Telegram updates.

Installed once as the log-record factory, so it covers every logger (the library's included)
and every handler, and applies to messages, their arguments and exception texts alike.
"""

from __future__ import annotations

import logging
import re
import traceback

_secrets: set[str] = set()
_installed = False

# A bot token anywhere (in a URL path or an exception text).
_TOKEN = re.compile(r"\b[0-9]{5,}:[A-Za-z0-9_-]{8,}")
# Signs that a text holds an update or a part of one (JSON, a Python dict or repr).
_PAYLOAD_SIGNS = re.compile(r"first_name|last_name|username|update_id|language_code|['\"](text|from|chat|caption|"
                            r"data|query)['\"]\s*:|\b(Update|Message|User|Chat|CallbackQuery|InlineQuery)\(")
_PAYLOAD = re.compile(r"\{.*\}|\[.*\]|\b(Update|Message|User|Chat|CallbackQuery|InlineQuery)\(.*\)", re.DOTALL)
# Telegram user and chat ids are long numbers; nothing else the bot logs is.
_LONG_NUMBER = re.compile(r"(?<![\w.])-?[0-9]{6,}(?![\w.])")


def redact(text: str) -> str:
    """The text without secrets, update payloads or Telegram ids."""
    for secret in _secrets:
        text = text.replace(secret, "<token>")
    text = _TOKEN.sub("<token>", text)
    if _PAYLOAD_SIGNS.search(text):
        text = _PAYLOAD.sub("<update content removed>", text)
    return _LONG_NUMBER.sub("<id>", text)


def install_redaction(token: str | None = None) -> None:
    """Redact `token` (and its secret part) from every log record from now on."""
    global _installed
    if token:
        _secrets.add(token)
        if ":" in token and len(token.split(":", 1)[1]) >= 8:
            _secrets.add(token.split(":", 1)[1])
    if _installed:
        return
    _installed = True
    make = logging.getLogRecordFactory()

    def factory(*args, **kwargs) -> logging.LogRecord:
        record = make(*args, **kwargs)
        try:
            record.msg, record.args = redact(record.getMessage()), None
        except Exception:  # noqa: BLE001 - a bad format string: keep the record, minus its args
            record.msg, record.args = redact(str(record.msg)), None
        if record.exc_info and record.exc_info[0] is not None:
            record.exc_text = redact("".join(traceback.format_exception(*record.exc_info)).rstrip("\n"))
            record.exc_info = None
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return record

    logging.setLogRecordFactory(factory)
