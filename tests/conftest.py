"""Shared fixtures: an in-memory database, the bundled knowledge base and its assistant."""

from __future__ import annotations

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
