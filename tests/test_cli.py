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
    assert code == 0 and "no change" in out and "no revision was made" in out
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
    code, out, _ = run(capsys, "kb", "import", str(smaller), "--yes")
    assert code == 0 and "1 removed" in out and "acra" in out
    code, out, _ = run(capsys, "kb", "history")
    assert out.splitlines()[0].split()[0] == "2"
    code, out, _ = run(capsys, "kb", "rollback", "1", "--yes")
    assert code == 0 and "revision 3 is now current" in out
    assert "undoes 1 revision(s)" in out and f"#2 " in out and f"imported {smaller}" in out
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
    for sub in ("chat", "ask", "link", "run", "eval", "kb validate", "kb import", "kb export", "kb history",
                "kb rollback", "kb stats", "kb unanswered", "kb check-source"):
        assert f"diaspora-bot {sub}" in readme or f"`kb {sub.split()[-1]}" in readme, sub


# --- guarded, visible changes (issue 13) ------------------------------------------------------

def export_data(capsys) -> dict:
    return json.loads(run(capsys, "kb", "export", "--format", "json")[1])


def write_json(path, data) -> str:
    path.write_text(json.dumps(data, ensure_ascii=False))
    return str(path)


def without(data: dict, ids: set[str]) -> dict:
    data = json.loads(json.dumps(data))
    data["entries"] = [e for e in data["entries"] if e["id"] not in ids]
    for entry in data["entries"]:
        entry["related"] = [r for r in entry.get("related", []) if r not in ids]
    return data


def revision_count(capsys) -> int:
    return len(run(capsys, "kb", "history", "--limit", "1000")[1].splitlines())


@pytest.mark.parametrize("content", [b"", b"entries: []\n", b"# kb export > f.yaml failed\n"])
def test_empty_file_is_refused_by_import_and_validate(env, capsys, content):
    before = export_data(capsys)
    empty = env / "empty.yaml"
    empty.write_bytes(content)
    code, _, err = run(capsys, "kb", "validate", str(empty))
    assert code == 1 and "no entries" in err
    code, _, err = run(capsys, "kb", "import", str(empty), "--yes", "--allow-removals")
    assert code == 1 and "no entries" in err
    assert export_data(capsys) == before and revision_count(capsys) == 1


def test_import_replacing_every_entry_is_refused(env, capsys):
    data = export_data(capsys)
    other = {"entries": [{"id": "only-one", "kind": "fact", "title": {"en": "Only"}, "answer": {"en": "One"},
                          "sources": [{"title": "T", "url": "https://example.org/"}]}]}
    code, _, err = run(capsys, "kb", "import", write_json(env / "other.json", other), "--yes", "--allow-removals")
    assert code == 1 and "remove all" in err and "Nothing was changed" in err
    assert export_data(capsys) == data


def test_mass_removal_needs_allow_removals(env, capsys):
    data = export_data(capsys)
    six = {e["id"] for e in data["entries"][:6]}
    path = write_json(env / "fewer.json", without(data, six))
    code, out, err = run(capsys, "kb", "import", path, "--yes")
    assert code == 1 and "removes 6 entries (more than 5)" in err and "--allow-removals" in err
    assert all(i in out for i in six)  # the list was shown
    assert export_data(capsys) == data and revision_count(capsys) == 1
    code, out, _ = run(capsys, "kb", "import", path, "--dry-run")
    assert code == 0 and "dry run: nothing was changed" in out and revision_count(capsys) == 1
    code, out, _ = run(capsys, "kb", "import", path, "--yes", "--allow-removals")
    assert code == 0 and "revision 2 is now current" in out
    assert {e["id"] for e in export_data(capsys)["entries"]}.isdisjoint(six)


def test_five_removals_need_no_flag_and_the_limit_is_configurable(env, capsys, monkeypatch):
    data = export_data(capsys)
    path = write_json(env / "fewer.json", without(data, {e["id"] for e in data["entries"][:2]}))
    monkeypatch.setenv("DIASPORA_BOT_MAX_REMOVALS", "1")
    code, _, err = run(capsys, "kb", "import", path, "--yes")
    assert code == 1 and "more than 1" in err
    monkeypatch.delenv("DIASPORA_BOT_MAX_REMOVALS")
    assert run(capsys, "kb", "import", path, "--yes")[0] == 0


def test_import_shows_before_and_after_words_and_asks(env, capsys, monkeypatch):
    import io
    data = export_data(capsys)
    entry = next(e for e in data["entries"] if e["id"] == "subdecree-68-2009")
    old = entry["answer"]["en"]
    entry["answer"]["en"] = old.replace("US$20", "US$25", 1)
    path = write_json(env / "edit.json", data)

    monkeypatch.setattr("sys.stdin", io.StringIO(""))  # no terminal, no --yes: refuse, never hang
    code, out, err = run(capsys, "kb", "import", path)
    assert code == 1 and "not a terminal" in err and "--yes" in err and revision_count(capsys) == 1
    assert "answer.en" in out and "[-US$20" in out and "{+US$25" in out
    assert f"before: {old}" in out and f"after:  {entry['answer']['en']}" in out

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    monkeypatch.setattr("sys.stdin", Terminal("n\n"))
    code, out, _ = run(capsys, "kb", "import", path)
    assert code == 1 and "not applied" in out and revision_count(capsys) == 1
    monkeypatch.setattr("sys.stdin", Terminal("y\n"))
    code, out, _ = run(capsys, "kb", "import", path)
    assert code == 0 and "revision 2 is now current" in out
    assert "US$25" in json.dumps(export_data(capsys))


def test_no_op_import_and_rollback_make_no_revision(env, capsys):
    code, out, _ = run(capsys, "kb", "rollback", "1", "--yes")
    assert code == 0 and "same content" in out and "no revision was made" in out
    assert revision_count(capsys) == 1


def test_xlsx_round_trip_equals_the_yaml_one_with_khmer(env, capsys):
    from openpyxl import load_workbook
    xlsx = env / "kb.xlsx"
    assert run(capsys, "kb", "export", "--format", "xlsx", "--output", str(xlsx))[0] == 0
    code, out, _ = run(capsys, "kb", "import", str(xlsx), "--yes")
    assert code == 0 and "no change" in out
    # The same edit in the spreadsheet and in the YAML gives the same knowledge base.
    new_km = "ថ្លៃលិខិតឆ្លងដែន: 20 ដុល្លារ #passport \"quoted\" - 🙂"
    wb = load_workbook(xlsx)
    ws = wb["entries"]
    row = next(r for r in ws.iter_rows(min_row=2) if r[0].value == "subdecree-68-2009" and r[1].value == "answer")
    row[4].value = new_km
    wb.save(xlsx)
    yaml_path = env / "kb.yaml"
    data = yaml.safe_load(run(capsys, "kb", "export")[1])
    next(e for e in data["entries"] if e["id"] == "subdecree-68-2009")["answer"]["km"] = new_km
    from bot.yamlio import dump_yaml
    yaml_path.write_text(dump_yaml(data))
    code, out, _ = run(capsys, "kb", "import", str(xlsx), "--yes")
    assert code == 0 and "answer.km" in out and "revision 2 is now current" in out
    via_xlsx = export_data(capsys)
    code, out, _ = run(capsys, "kb", "import", str(yaml_path), "--yes")
    assert code == 0 and "no change" in out  # the YAML edit is the same content
    assert next(e for e in via_xlsx["entries"] if e["id"] == "subdecree-68-2009")["answer"]["km"] == new_km


def test_xlsx_errors_name_the_row(env, capsys):
    from openpyxl import load_workbook
    xlsx = env / "kb.xlsx"
    run(capsys, "kb", "export", "--format", "xlsx", "-o", str(xlsx))
    wb = load_workbook(xlsx)
    ws = wb["entries"]
    row = next(r for r in ws.iter_rows(min_row=2) if r[1].value == "kind")
    row[2].value = "poem"
    wb.save(xlsx)
    code, _, err = run(capsys, "kb", "import", str(xlsx), "--yes")
    assert code == 1 and f"{xlsx}:{row[0].row}: kind 'poem'" in err
    assert revision_count(capsys) == 1


def test_xlsx_export_refuses_a_terminal(env, capsys, monkeypatch):
    monkeypatch.setattr("sys.stdout.isatty", lambda: True, raising=False)
    code, _, err = run(capsys, "kb", "export", "--format", "xlsx")
    assert code == 1 and "--output" in err


def test_import_refused_when_another_revision_lands_while_asking(env, capsys, monkeypatch):
    import io
    data = export_data(capsys)
    mine = json.loads(json.dumps(data))
    mine["entries"][0]["answer"]["en"] = "Mine."
    theirs = json.loads(json.dumps(data))
    theirs["entries"][1]["answer"]["en"] = "Theirs."
    theirs_path = write_json(env / "theirs.json", theirs)

    class Terminal(io.StringIO):
        """An admin who answers 'y' after someone else imported meanwhile."""

        def isatty(self):
            return True

        def readline(self, *args):
            assert main(["kb", "import", theirs_path, "--yes"]) == 0
            return "y\n"

    monkeypatch.setattr("sys.stdin", Terminal())
    code, out, err = run(capsys, "kb", "import", write_json(env / "mine.json", mine))
    assert code == 1 and "not applied" in err and "changed since" in err and "by cli" in err
    now = export_data(capsys)
    assert now["entries"][1]["answer"]["en"] == "Theirs." and now["entries"][0]["answer"]["en"] != "Mine."


def test_exported_yaml_takes_ordinary_edits_exactly(env, capsys):
    exported = run(capsys, "kb", "export")[1]
    old = yaml.safe_load(exported)["entries"][0]["answer"]["en"]
    first_line = next(line for line in exported.splitlines() if line.strip() == old.split("\n")[0])
    added = "NGO NOTE: check the fee at the passport office #passport before you pay anyone. “Quoted” - ok"
    edited = exported.replace(first_line, first_line + " " + added, 1)
    (env / "edited.yaml").write_text(edited)
    code, out, _ = run(capsys, "kb", "import", str(env / "edited.yaml"), "--yes")
    assert code == 0 and "{+NGO NOTE: check" in out
    assert export_data(capsys)["entries"][0]["answer"]["en"] == old + " " + added
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


def test_calibrate_writes_a_calibration_even_when_the_bundled_one_no_longer_fits(env, capsys, monkeypatch):
    from pathlib import Path

    from knowledge import calibration
    stale = env / "stale.json"
    stale.write_text(json.dumps({"weights": [0.0, 1.0], "answer_at": 50, "features": ["phrase"]}), encoding="utf-8")
    monkeypatch.setattr(calibration, "DEFAULT_PATH", stale)
    calibration.load_calibration.cache_clear()
    try:
        out_path = env / "fitted.json"
        questions = Path(__file__).parent / "data" / "questions.yaml"
        code, out, _ = run(capsys, "calibrate", str(questions), "--cv", "2", "--output", str(out_path))
        fitted = calibration.read_calibration(out_path)
    finally:
        calibration.load_calibration.cache_clear()
    assert code == 0 and "wrote" in out
    assert fitted.features == calibration.FEATURES and len(fitted.weights) == len(calibration.FEATURES) + 1
    assert 0 < fitted.answer_at <= 100
