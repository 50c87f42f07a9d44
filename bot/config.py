"""Configuration, read once from the environment into one typed object."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit


_TOKEN_SHAPE = re.compile(r"[0-9]+:[A-Za-z0-9_-]+")


class ConfigError(Exception):
    """The environment does not hold a usable configuration."""


class FatalError(Exception):
    """The bot cannot go on (the token is refused, the API stays unreachable)."""


def default_data_dir(env: Mapping[str, str]) -> Path:
    """Where the bot keeps its database and secret by default."""
    if env.get("DIASPORA_BOT_DATA"):
        return Path(env["DIASPORA_BOT_DATA"])
    base = env.get("XDG_DATA_HOME") or str(Path(env.get("HOME", ".")) / ".local" / "share")
    return Path(base) / "diaspora-bot"


def _int_list(name: str, raw: str) -> frozenset[int]:
    ids = set()
    for part in raw.replace(" ", "").split(","):
        if not part:
            continue
        try:
            ids.add(int(part))
        except ValueError:
            raise ConfigError(f"{name}: {part!r} is not a Telegram user id (a whole number)") from None
    return frozenset(ids)


def _boolean(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(name, "").strip().lower()
    if not raw:
        return default
    if raw in ("1", "true", "yes", "on"):
        return True
    if raw in ("0", "false", "no", "off"):
        return False
    raise ConfigError(f"{name}: {raw!r} is not a boolean (use true or false)")


def _positive_int(env: Mapping[str, str], name: str, default: int, maximum: int = 10**6) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    if not (raw.isascii() and raw.lstrip("+-").isdigit()):
        raise ConfigError(f"{name}: {raw!r} is not a whole number")
    value = int(raw)
    if not 0 < value <= maximum:
        raise ConfigError(f"{name}: {raw} is out of range (1 to {maximum})")
    return value


def _url(env: Mapping[str, str], name: str) -> str | None:
    raw = env.get(name, "").strip()
    if not raw:
        return None
    parts = urlsplit(raw)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"{name}: {raw!r} is not an http(s) URL")
    try:
        parts.port
    except ValueError:
        raise ConfigError(f"{name}: {raw!r} has an invalid port") from None
    return raw


@dataclass(frozen=True)
class Config:
    """Everything the bot reads from its environment."""

    token: str | None = field(repr=False)
    api_base_url: str | None
    api_base_file_url: str | None
    db_path: Path
    kb_path: Path | None
    admins: frozenset[int]
    admin_chat: int | None
    data_dir: Path
    retention_days: int
    secret: bytes | None = field(default=None, repr=False)
    webhook_secret: str | None = field(default=None, repr=False)
    http_timeout: float = 10.0
    rate_limit: bool = True
    voice_model: str | None = None
    max_removals: int = 5  # an admin change removing more entries needs a second confirmation
    give_up_after: float = 60.0
    stop_timeout: float = 20.0

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> "Config":
        """Read the configuration; `env` defaults to os.environ (tests pass a dict)."""
        env = os.environ if env is None else env
        data_dir = default_data_dir(env)
        admin_chat = env.get("DIASPORA_BOT_ADMIN_CHAT", "").strip()
        try:
            admin_chat_id = int(admin_chat) if admin_chat else None
        except ValueError:
            raise ConfigError(f"DIASPORA_BOT_ADMIN_CHAT: {admin_chat!r} is not a chat id") from None
        kb = env.get("DIASPORA_BOT_KB", "").strip()
        if kb and not Path(kb).exists():
            raise ConfigError(f"DIASPORA_BOT_KB: {kb}: no such file or folder")
        return cls(
            token=env.get("TELEGRAM_BOT_TOKEN", "").strip() or None,
            api_base_url=_url(env, "TELEGRAM_API_BASE_URL"),
            api_base_file_url=_url(env, "TELEGRAM_API_BASE_FILE_URL"),
            db_path=Path(env.get("DIASPORA_BOT_DB", "").strip() or data_dir / "diaspora-bot.db"),
            kb_path=Path(kb) if kb else None,
            admins=_int_list("DIASPORA_BOT_ADMINS", env.get("DIASPORA_BOT_ADMINS", "")),
            admin_chat=admin_chat_id,
            data_dir=data_dir,
            retention_days=_positive_int(env, "DIASPORA_BOT_LOG_RETENTION_DAYS", 90, maximum=36_500),
            secret=env.get("DIASPORA_BOT_SECRET", "").encode() or None,
            webhook_secret=env.get("TELEGRAM_WEBHOOK_SECRET", "").strip() or None,
            http_timeout=float(_positive_int(env, "DIASPORA_BOT_HTTP_TIMEOUT", 10, maximum=600)),
            rate_limit=_boolean(env, "DIASPORA_BOT_RATE_LIMIT", True),
            voice_model=env.get("DIASPORA_BOT_VOICE_MODEL", "").strip() or None,
            max_removals=_positive_int(env, "DIASPORA_BOT_MAX_REMOVALS", 5),
            # How long an unreachable API or a refused token is retried before exiting with status 2.
            give_up_after=float(_positive_int(env, "DIASPORA_BOT_GIVE_UP_AFTER", 60, maximum=86_400)),
            # How long a stop (SIGTERM) lets running updates finish; the rest stay in the inbox.
            stop_timeout=float(_positive_int(env, "DIASPORA_BOT_STOP_TIMEOUT", 20, maximum=3600)),
        )

    @property
    def secret_path(self) -> Path:
        """The file that keeps the HMAC secret for user keys (created when absent)."""
        return self.db_path.parent / "user-key.secret"

    def require_token(self) -> str:
        """The bot token, or a ConfigError that says how to set it."""
        if not self.token:
            raise ConfigError(
                "TELEGRAM_BOT_TOKEN is not set. Get a token from @BotFather and run:\n"
                "  TELEGRAM_BOT_TOKEN=123456:ABC... diaspora-bot run\n"
                "(or try the bot without Telegram: diaspora-bot chat)")
        if not _TOKEN_SHAPE.fullmatch(self.token):
            raise ConfigError("TELEGRAM_BOT_TOKEN does not look like a bot token "
                              "(digits, a colon, then letters, digits, '-' or '_', as @BotFather gives it)")
        return self.token
