"""Shared fixtures: an in-memory database, the bundled knowledge base and its assistant."""

from __future__ import annotations

import contextlib

import pytest

from bot.assistant import Assistant
from knowledge.loader import load_bundled
from storage.db import open_database
from storage.querylog import QueryLog


@pytest.fixture
def db():
    return open_database(None)


@pytest.fixture(scope="session")
def kb():
    return load_bundled()


@pytest.fixture(scope="session")
def matcher(kb):
    from knowledge.matcher import Matcher
    return Matcher(kb)


@pytest.fixture
def assistant(kb, db):
    return Assistant(kb, QueryLog(db))


# --- Telegram end to end ----------------------------------------------------------------------

ADMIN = 42
USER = 1001


@pytest.fixture
def api():
    from tests.fake_bot_api import FakeBotAPI
    with FakeBotAPI() as server:
        yield server


def bot_env(api, tmp_path, **extra) -> dict:
    """The environment of a bot that talks to the fake API and keeps its data in tmp_path."""
    return {"TELEGRAM_BOT_TOKEN": api.token, "TELEGRAM_API_BASE_URL": f"{api.base_url}/bot",
            "TELEGRAM_API_BASE_FILE_URL": f"{api.base_url}/file/bot", "DIASPORA_BOT_DB": str(tmp_path / "bot.db"),
            "HOME": str(tmp_path), "DIASPORA_BOT_ADMINS": str(ADMIN), **extra}


@contextlib.asynccontextmanager
async def polling_bot(env: dict):
    """The bot's real Application built from `env`, polling (the fake API) until the block ends."""
    from bot.app import build_application, post_init, post_shutdown, start_polling, stop_polling
    from bot.config import Config

    app = build_application(Config.from_env(env))
    async with app:
        await post_init(app)
        await app.start()
        await start_polling(app, timeout=1)
        yield app
        await stop_polling(app, drain_seconds=10)
        await app.stop()
    await post_shutdown(app)


@pytest.fixture
async def running(api, tmp_path):
    """The bot's real Application, polling the fake API (admin: user 42)."""
    async with polling_bot(bot_env(api, tmp_path)) as app:
        yield app
