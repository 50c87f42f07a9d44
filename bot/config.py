"""Configuration, read once from the environment into one typed object."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path


class ConfigError(Exception):
    """The environment does not hold a usable configuration."""


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


def _positive_int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name}: {raw!r} is not a whole number") from None
    if value <= 0:
        raise ConfigError(f"{name}: must be greater than 0")
    return value


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
        return cls(
            token=env.get("TELEGRAM_BOT_TOKEN", "").strip() or None,
            api_base_url=env.get("TELEGRAM_API_BASE_URL", "").strip() or None,
            api_base_file_url=env.get("TELEGRAM_API_BASE_FILE_URL", "").strip() or None,
            db_path=Path(env.get("DIASPORA_BOT_DB", "").strip() or data_dir / "diaspora-bot.db"),
            kb_path=Path(kb) if kb else None,
            admins=_int_list("DIASPORA_BOT_ADMINS", env.get("DIASPORA_BOT_ADMINS", "")),
            admin_chat=admin_chat_id,
            data_dir=data_dir,
            retention_days=_positive_int(env, "DIASPORA_BOT_LOG_RETENTION_DAYS", 90),
            secret=env.get("DIASPORA_BOT_SECRET", "").encode() or None,
            webhook_secret=env.get("TELEGRAM_WEBHOOK_SECRET", "").strip() or None,
            http_timeout=float(_positive_int(env, "DIASPORA_BOT_HTTP_TIMEOUT", 10)),
            rate_limit=_boolean(env, "DIASPORA_BOT_RATE_LIMIT", True),
            voice_model=env.get("DIASPORA_BOT_VOICE_MODEL", "").strip() or None,
            max_removals=_positive_int(env, "DIASPORA_BOT_MAX_REMOVALS", 5),
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
        return self.token
