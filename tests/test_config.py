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


# --- every bad configuration or argument: one line, exit status 2 (the real CLI) ----------------

import os  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402

TOKEN = "123456:CONFIG-test-token-not-secret"


def _bad_setups(tmp):
    """(name, extra environment, arguments, words the one line must contain)."""
    (tmp / "a-file").write_text("x")
    (tmp / "folder").mkdir()
    (tmp / "text.db").write_text("this is not a database\n" * 200)
    (tmp / "nonhex").mkdir()
    (tmp / "nonhex" / "user-key.secret").write_text("not hex at all")
    (tmp / "empty").mkdir()
    (tmp / "empty" / "user-key.secret").write_text("")
    (tmp / "kb-empty").mkdir()
    (tmp / "kb-unreadable").mkdir()
    # A file that cannot be read, even by root: reading a process's memory at 0 is an I/O error.
    (tmp / "kb-unreadable" / "a.yaml").symlink_to("/proc/self/mem")
    run = ["run"]
    return [
        ("unreachable-api", {"TELEGRAM_API_BASE_URL": "http://127.0.0.1:9/bot", "DIASPORA_BOT_GIVE_UP_AFTER": "1"},
         run, "cannot reach the Telegram Bot API"),
        ("db-is-a-folder", {"DIASPORA_BOT_DB": str(tmp / "folder")}, run, "is a folder"),
        ("db-under-a-file", {"DIASPORA_BOT_DB": str(tmp / "a-file" / "bot.db")}, run, "is a file"),
        ("db-not-a-database", {"DIASPORA_BOT_DB": str(tmp / "text.db")}, run, "not a SQLite database"),
        ("secret-not-hex", {"DIASPORA_BOT_DB": str(tmp / "nonhex" / "bot.db")}, run, "not a hexadecimal secret"),
        ("secret-empty", {"DIASPORA_BOT_DB": str(tmp / "empty" / "bot.db")}, run, "is empty"),
        ("kb-missing", {"DIASPORA_BOT_KB": str(tmp / "no-such-kb")}, run, "no-such-kb"),
        ("kb-without-yaml", {"DIASPORA_BOT_KB": str(tmp / "kb-empty")}, run, "no .yaml files"),
        ("kb-unreadable", {"DIASPORA_BOT_KB": str(tmp / "kb-unreadable")}, run, "cannot read"),
        ("retention-huge", {"DIASPORA_BOT_LOG_RETENTION_DAYS": "99999999999"}, run, "out of range"),
        ("retention-zero", {"DIASPORA_BOT_LOG_RETENTION_DAYS": "0"}, run, "out of range"),
        ("timeout-not-a-number", {"DIASPORA_BOT_HTTP_TIMEOUT": "ten"}, run, "not a whole number"),
        ("api-url-not-a-url", {"TELEGRAM_API_BASE_URL": "api.telegram.org"}, run, "not an http(s) URL"),
        ("token-malformed", {"TELEGRAM_BOT_TOKEN": "not a token"}, run, "does not look like a bot token"),
        ("admins-not-ids", {"DIASPORA_BOT_ADMINS": "1,bob"}, run, "'bob'"),
        ("admin-chat-not-an-id", {"DIASPORA_BOT_ADMIN_CHAT": "admins"}, run, "not a chat id"),
        ("listen-bad-ip", {}, ["run", "--webhook", "https://x.example/t", "--listen", "256.1.1.1"],
         "not an IP address"),
        ("port-too-big", {}, ["run", "--webhook", "https://x.example/t", "--port", "99999"], "between 1 and 65535"),
        ("rollback-huge", {}, ["kb", "rollback", "99999999999999999999"], "between 1 and"),
        ("rollback-superscript", {}, ["kb", "rollback", "²"], "not a whole number"),
        ("rollback-arabic-digit", {}, ["kb", "rollback", "١"], "not a whole number"),
    ]


CASES = ["unreachable-api", "db-is-a-folder", "db-under-a-file", "db-not-a-database", "secret-not-hex",
         "secret-empty", "kb-missing", "kb-without-yaml", "kb-unreadable", "retention-huge", "retention-zero", "timeout-not-a-number",
         "api-url-not-a-url", "token-malformed", "admins-not-ids", "admin-chat-not-an-id", "listen-bad-ip",
         "port-too-big", "rollback-huge", "rollback-superscript", "rollback-arabic-digit"]


@pytest.mark.parametrize("case", range(len(CASES)), ids=CASES)
def test_bad_configuration_gives_one_line_and_exit_2(tmp_path, case):
    name, extra, args, words = _bad_setups(tmp_path)[case]
    assert name == CASES[case]
    if name == "kb-unreadable" and not os.path.exists("/proc/self/mem"):
        pytest.skip("needs Linux's /proc")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "DIASPORA_BOT_"))}
    env.update({"HOME": str(tmp_path), "TELEGRAM_BOT_TOKEN": TOKEN,
                "DIASPORA_BOT_DB": str(tmp_path / "ok" / "bot.db"), **extra})
    proc = subprocess.run([sys.executable, "-m", "bot.cli", *args], env=env, capture_output=True, text=True,
                          timeout=120, cwd=os.path.dirname(os.path.dirname(__file__)))
    lines = [ln for ln in proc.stderr.splitlines() if "error" in ln.lower() or "Traceback" in ln]
    assert proc.returncode == 2, proc.stderr
    assert len(lines) == 1 and words in lines[0], proc.stderr
    assert "Traceback" not in proc.stderr and TOKEN not in proc.stderr + proc.stdout
