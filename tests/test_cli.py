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
    assert set(data) == {"query", "language", "answered", "entry_id", "title", "short", "answer", "as_of", "sources",
                         "score", "suggestions"}
    assert "US$20" in data["short"] and len(data["short"]) <= 280 < len(data["answer"]) + 100
    assert data["as_of"] == "2009"


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
    import re
    assert re.search(r"entries with evidence \(quotes or footnotes\): (\d+)/\1\n", out)  # all of them
    assert re.search(r"km: (\d+)/\1 translated, .* \1 with a short answer", out)


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
    run(capsys, "ask", "asdkjh qwerty")
    run(capsys, "ask", "passport price")
    code, out, _ = run(capsys, "kb", "unanswered")
    assert code == 0 and "asdkjh qwerty" in out
    code, out, _ = run(capsys, "kb", "stats")
    assert "questions: 2, answered: 1" in out


def test_every_command_has_help(capsys):
    parser = build_parser()
    for args in (["chat"], ["ask"], ["run"], ["eval"], ["kb", "validate"], ["kb", "import"], ["kb", "export"],
                 ["kb", "history"], ["kb", "rollback"], ["kb", "stats"], ["kb", "unanswered"],
                 ["kb", "check-source"]):
        with pytest.raises(SystemExit) as exc:
            parser.parse_args(args + ["--help"])
        assert exc.value.code == 0
        assert "usage:" in capsys.readouterr().out


def test_readme_documents_every_command():
    from pathlib import Path

    from bot.commands import markdown_table
    readme = (Path(__file__).parent.parent / "README.md").read_text()
    assert markdown_table() in readme
    for sub in ("chat", "ask", "run", "eval", "kb validate", "kb import", "kb export", "kb history",
                "kb rollback", "kb stats", "kb unanswered", "kb check-source"):
        assert f"diaspora-bot {sub}" in readme or f"`kb {sub.split()[-1]}" in readme, sub
