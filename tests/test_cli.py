"""The command line: ask, kb validate/import/export/history/rollback/stats/unanswered, eval."""

from __future__ import annotations

import json

import pytest
import yaml

from bot.cli import build_parser, main


@pytest.fixture
def env(tmp_path, monkeypatch):
    monkeypatch.setenv("DIASPORA_BOT_DB", str(tmp_path / "cli.db"))
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("DIASPORA_BOT_KB", raising=False)
    return tmp_path


def run(capsys, *args):
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_ask_json_passport_cites_ilo(env, capsys):
    code, out, _ = run(capsys, "ask", "--json", "How much does a passport cost for a migrant worker?")
    data = json.loads(out)
    assert code == 0 and data["answered"] and "US$20" in data["answer"]
    assert "https://www.ilo.org/wcmsp5/groups/public/---asia/---ro-bangkok/documents/publication/wcms_145704.pdf" in [
        s["url"] for s in data["sources"]]
    assert set(data) == {"query", "language", "answered", "entry_id", "title", "answer", "sources", "score", "suggestions"}


def test_ask_reads_many_questions_from_stdin(env, capsys, monkeypatch):
    import io
    monkeypatch.setattr("sys.stdin", io.StringIO("passport price\nasdkjh\nលិខិតឆ្លងដែន\n"))
    code, out, _ = run(capsys, "ask", "--json")
    rows = [json.loads(line) for line in out.splitlines()]
    assert [r["answered"] for r in rows] == [True, False, True]
    assert rows[2]["language"] == "km"


def test_validate_bundled_prints_coverage(env, capsys):
    code, out, _ = run(capsys, "kb", "validate")
    assert code == 0 and "entries" in out and "km:" in out and "reviewed by a person" in out


def test_validate_broken_file_exits_1_with_lines(env, capsys):
    bad = env / "bad.yaml"
    bad.write_text("entries:\n  - id: Bad Id\n    kind: fact\n")
    code, _, err = run(capsys, "kb", "validate", str(bad))
    assert code == 1 and f"{bad}:2: id 'Bad Id'" in err and "Traceback" not in err


def test_export_import_round_trip(env, capsys):
    code, out, _ = run(capsys, "kb", "export")
    exported = env / "kb.yaml"
    exported.write_text(out)
    code, out, _ = run(capsys, "kb", "import", str(exported), "--note", "round trip")
    assert code == 0 and "No change" in out
    code, again, _ = run(capsys, "kb", "export")
    assert again == exported.read_text()
    code, as_json, _ = run(capsys, "kb", "export", "--format", "json")
    assert json.loads(as_json) == yaml.safe_load(again)


def test_import_history_rollback(env, capsys):
    run(capsys, "kb", "export")
    data = json.loads(run(capsys, "kb", "export", "--format", "json")[1])
    data["entries"] = [e for e in data["entries"] if e["id"] != "acra"]
    for entry in data["entries"]:
        entry["related"] = [r for r in entry.get("related", []) if r != "acra"]
    smaller = env / "smaller.json"
    smaller.write_text(json.dumps(data))
    code, out, _ = run(capsys, "kb", "import", str(smaller))
    assert code == 0 and "1 removed" in out and "acra" in out
    code, out, _ = run(capsys, "kb", "history")
    assert out.splitlines()[0].split()[0] == "2"
    code, out, _ = run(capsys, "kb", "rollback", "1")
    assert code == 0 and "revision 3 is now current" in out
    assert '"acra"' in run(capsys, "kb", "export", "--format", "json")[1]
    code, _, err = run(capsys, "kb", "rollback", "99")
    assert code == 1 and "no revision 99" in err


def test_stats_and_unanswered(env, capsys):
    run(capsys, "ask", "--log", "asdkjh qwerty")
    run(capsys, "ask", "--log", "passport price")
    code, out, _ = run(capsys, "kb", "unanswered")
    assert code == 0 and "asdkjh qwerty" in out
    code, out, _ = run(capsys, "kb", "stats")
    assert "questions: 2, answered: 1" in out


def test_every_command_has_help(capsys):
    parser = build_parser()
    for args in (["chat"], ["ask"], ["link"], ["run"], ["eval"], ["kb", "validate"], ["kb", "import"], ["kb", "export"],
                 ["kb", "history"], ["kb", "rollback"], ["kb", "stats"], ["kb", "unanswered"]):
        with pytest.raises(SystemExit) as exc:
            parser.parse_args(args + ["--help"])
        assert exc.value.code == 0
        assert "usage:" in capsys.readouterr().out


def test_readme_documents_every_command():
    from pathlib import Path

    from bot.commands import markdown_table
    readme = (Path(__file__).parent.parent / "README.md").read_text()
    assert markdown_table() in readme
    for sub in ("chat", "ask", "link", "run", "eval", "kb validate", "kb import", "kb export", "kb history",
                "kb rollback", "kb stats", "kb unanswered"):
        assert f"diaspora-bot {sub}" in readme or f"`kb {sub.split()[-1]}" in readme, sub


def _logged(env) -> int:
    from storage.db import open_database
    return open_database(env / "cli.db")["query_log"].count


def test_ask_writes_the_query_log_only_with_log(env, capsys):
    run(capsys, "ask", "passport price")
    assert _logged(env) == 0
    run(capsys, "ask", "--log", "passport price")
    assert _logged(env) == 1


def test_chat_writes_nothing_to_the_query_log_without_log(env, capsys, monkeypatch):
    import io
    monkeypatch.setattr("sys.stdin", io.StringIO("passport price\nasdkjh qwerty\n"))
    code, out, _ = run(capsys, "chat")
    assert code == 0 and "US$20" in out
    assert _logged(env) == 0


def test_chat_log_records_questions_but_never_commands_or_numbers(env, capsys, monkeypatch):
    import io
    monkeypatch.setattr("sys.stdin", io.StringIO("/foo\n99\n/privacy\n/topics\n3\n/help\npassport price\n"))
    code, out, _ = run(capsys, "chat", "--log")
    assert code == 0
    from storage.db import open_database
    rows = list(open_database(env / "cli.db")["query_log"].rows)
    assert [r["question"] for r in rows] == ["passport price"]


def test_link_prints_the_deep_link_and_writes_a_qr_code_that_decodes_to_it(env, capsys):
    qr = env / "poster.png"
    code, out, err = run(capsys, "link", "subdecree-68-2009", "--lang", "km", "--bot", "diaspora_bot", "--qr", str(qr))
    link = "https://t.me/diaspora_bot?start=subdecree-68-2009_km"
    assert code == 0 and out.strip() == link
    assert decode_qr(qr) == link


def decode_qr(path) -> str:
    """The text of the QR code in an image file (zxing-cpp, from the test extras)."""
    import zxingcpp
    from PIL import Image
    [barcode] = zxingcpp.read_barcodes(Image.open(path))
    return barcode.text


def test_link_to_a_topic_and_bad_targets(env, capsys):
    code, out, _ = run(capsys, "link", "policy", "--bot", "@diaspora_bot")
    assert code == 0 and out.strip() == "https://t.me/diaspora_bot?start=t_policy"
    code, _, err = run(capsys, "link", "no-such-entry", "--bot", "diaspora_bot")
    assert code == 1 and "neither an entry id nor a topic" in err
    code, _, err = run(capsys, "link", "remittances")  # no --bot and no token to ask Telegram
    assert code == 1 and "--bot NAME" in err and "Traceback" not in err


def test_link_asks_telegram_for_the_bot_username(env, capsys, monkeypatch, api):
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", api.token)
    monkeypatch.setenv("TELEGRAM_API_BASE_URL", f"{api.base_url}/bot")
    code, out, _ = run(capsys, "link", "remittances")
    assert code == 0 and out.strip() == f"https://t.me/{api.bot_username}?start=remittances"
