import pytest

from bot.config import Config, ConfigError


def test_defaults_without_token():
    config = Config.from_env({"HOME": "/home/x"})
    assert config.token is None
    assert str(config.db_path) == "/home/x/.local/share/diaspora-bot/diaspora-bot.db"
    assert config.admins == frozenset() and config.retention_days == 90
    with pytest.raises(ConfigError, match="TELEGRAM_BOT_TOKEN"):
        config.require_token()


def test_values_are_parsed():
    config = Config.from_env({"TELEGRAM_BOT_TOKEN": "1:abc", "DIASPORA_BOT_ADMINS": "1, 2,3",
                              "DIASPORA_BOT_DB": "/tmp/x.db", "TELEGRAM_API_BASE_URL": "http://127.0.0.1:1/bot"})
    assert config.admins == {1, 2, 3} and config.require_token() == "1:abc"
    assert config.api_base_url == "http://127.0.0.1:1/bot"


def test_bad_admin_id_is_a_clear_error():
    with pytest.raises(ConfigError, match="DIASPORA_BOT_ADMINS: 'bob'"):
        Config.from_env({"DIASPORA_BOT_ADMINS": "1,bob"})


def test_token_is_not_in_repr():
    assert "SECRET" not in repr(Config.from_env({"TELEGRAM_BOT_TOKEN": "1:SECRET"}))
