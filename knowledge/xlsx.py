"""The knowledge base as a spreadsheet (.xlsx), for admins who work in Excel or LibreOffice.

Sheet "entries": one row per entry and field, with the columns

    id | field | value | en | km | fr

A field given per language (title, answer, questions, keywords, reviewed, ...) has its texts in
the en/km/fr columns; any other field (kind, year, related, ...) has its value in `value`.
Lists (alternate questions, keywords, related ids) hold one item per line of the cell. A list of
records (sources) takes one row per item and attribute: `sources.1.title`, `sources.1.url`.
Sheet "synonyms": one word group per row: the language, then one word per cell.

Which fields exist and whether each is a text, a list, a number or a yes/no is read from the
`Entry` dataclass, so a field added to the schema is exported and imported without a change
here. Reading goes through the same validator as YAML; its problems name the file and the row.
"""

from __future__ import annotations

import dataclasses
import io
import json
import types
import typing
import zipfile

from .loader import MAX_FILE_BYTES, KnowledgeBaseInvalid, Problem, _LineDict, _LineList, build_reporting
from .schema import LANGS, Entry, KnowledgeBase

HEADER = ("id", "field", "value", *LANGS)
MAX_UNZIPPED_BYTES = 40 * 1024 * 1024  # a zip bomb is refused before it is opened
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# --- field kinds from the dataclass ----------------------------------------------------------------

def _kind(hint) -> tuple[bool, str]:
    """(per language?, how a value is kept in a cell: text, lines, int, bool or json)."""
    if typing.get_origin(hint) in (typing.Union, types.UnionType):  # X | None
        args = [a for a in typing.get_args(hint) if a is not type(None)]
        hint = args[0] if len(args) == 1 else hint
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin is dict and len(args) == 2:
        return True, _kind(args[1])[1]
    if origin in (tuple, list) and args and args[0] is str:
        return False, "lines"
    if hint is bool:
        return False, "bool"
    if hint is int:
        return False, "int"
    if hint is str:
        return False, "text"
    return False, "json"


def field_kinds() -> dict[str, tuple[bool, str]]:
    """Every field of an entry and its kind."""
    hints = typing.get_type_hints(Entry)
    return {f.name: _kind(hints[f.name]) for f in dataclasses.fields(Entry)}


def _to_cell(value, kind: str):
    if kind == "lines" and isinstance(value, (list, tuple)):
        return "\n".join(str(v) for v in value)
    if kind == "json" or isinstance(value, (dict, list, tuple)):
        return json.dumps(value, ensure_ascii=False)
    return value


def _from_cell(value, kind: str):
    """A cell's value as the YAML schema has it; a value of the wrong type is passed on for the validator."""
    if kind == "lines":
        return [line.strip() for line in str(value).split("\n") if line.strip()]
    if kind == "text":
        return value if isinstance(value, str) else _number_text(value)
    if kind == "bool" and isinstance(value, str):
        return {"true": True, "yes": True, "1": True, "false": False, "no": False, "0": False}.get(
            value.strip().lower(), value)
    if kind == "int":
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, str) and value.strip().isdigit():
            return int(value.strip())
        return value
    if kind == "json" and isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _number_text(value) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


# --- writing --------------------------------------------------------------------------------

def _put(ws, row: int, values) -> None:
    for col, value in enumerate(values, 1):
        if value is None or value == "":
            continue
        cell = ws.cell(row=row, column=col, value=value)
        if isinstance(value, str) and value.startswith("="):
            cell.data_type = "s"  # a text, never a formula


def to_xlsx(kb: KnowledgeBase) -> bytes:
    """The knowledge base as an .xlsx file."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    kinds = field_kinds()
    wb = Workbook()
    ws = wb.active
    ws.title = "entries"
    _put(ws, 1, HEADER)
    row = 2
    for entry in kb.to_data()["entries"]:
        for name, value in entry.items():
            if name == "id":
                continue
            per_lang, kind = kinds.get(name, (False, "json"))
            if per_lang and isinstance(value, dict):
                _put(ws, row, (entry["id"], name, None, *(_to_cell(value.get(lang), kind) for lang in LANGS)))
                row += 1
            elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
                for i, record in enumerate(value, 1):
                    for attr, item in record.items():
                        _put(ws, row, (entry["id"], f"{name}.{i}.{attr}", _to_cell(item, "text")))
                        row += 1
            else:
                _put(ws, row, (entry["id"], name, _to_cell(value, kind)))
                row += 1
    syn = wb.create_sheet("synonyms")
    _put(syn, 1, ("language", "words (one group per row)"))
    row = 2
    for lang, groups in kb.to_data().get("synonyms", {}).items():
        for group in groups:
            _put(syn, row, (lang, *group))
            row += 1
    for sheet in (ws, syn):
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        sheet.freeze_panes = "A2"
    for col, width in zip("ABCDEF", (24, 18, 30, 60, 60, 60)):
        ws.column_dimensions[col].width = width
    wrap = Alignment(wrap_text=True, vertical="top")
    for cells in ws.iter_rows(min_row=2, min_col=3, max_col=6):
        for cell in cells:
            cell.alignment = wrap
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


# --- reading --------------------------------------------------------------------------------

def _open_workbook(data: bytes, name: str):
    from openpyxl import load_workbook
    if len(data) > MAX_FILE_BYTES:
        raise KnowledgeBaseInvalid([Problem(name, 0, f"file too large (over {MAX_FILE_BYTES // 1024} KiB)")])
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            if sum(info.file_size for info in archive.infolist()) > MAX_UNZIPPED_BYTES:
                raise KnowledgeBaseInvalid([Problem(name, 0, "spreadsheet too large once unpacked")])
        return load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except KnowledgeBaseInvalid:
        raise
    except Exception as exc:  # openpyxl raises many kinds on a damaged or foreign file
        raise KnowledgeBaseInvalid([Problem(name, 0, f"not an .xlsx spreadsheet ({type(exc).__name__})")]) from None


def _cell(row: tuple, i: int):
    value = row[i] if i < len(row) else None
    if isinstance(value, str):
        value = value.strip()
    return None if value in (None, "") else value


def _read_entries(ws, name: str, problems: list[Problem]) -> list:
    kinds = field_kinds()
    rows = ws.iter_rows(values_only=True)
    header = next(rows, ())
    if tuple(str(h or "").strip().lower() for h in header[:len(HEADER)]) != HEADER:
        problems.append(Problem(name, 1, f"the first row must be the column names: {', '.join(HEADER)}"))
        return []
    entries: dict[str, _LineDict] = {}
    for number, row in enumerate(rows, 2):
        if not any(_cell(row, i) is not None for i in range(len(HEADER))):
            continue
        entry_id, field = _cell(row, 0), _cell(row, 1)
        if entry_id is None or field is None:
            problems.append(Problem(name, number, "a row needs an id (column A) and a field (column B)"))
            continue
        entry_id, field = _number_text(entry_id), _number_text(field)
        entry = entries.get(entry_id)
        if entry is None:
            entry = entries[entry_id] = _LineDict(id=entry_id)
            entry.line, entry.key_lines, entry.duplicates = number, {"id": number}, []
        base, _, rest = field.partition(".")
        if rest:  # sources.1.title
            index, _, attr = rest.partition(".")
            if not index.isdigit() or not attr:
                problems.append(Problem(name, number, f"field {field!r}: expected e.g. {base}.1.title"))
                continue
            records = entry.setdefault(base, _LineList())
            if not isinstance(records, _LineList):
                problems.append(Problem(name, number, f"field {base!r} appears twice"))
                continue
            if base not in entry.key_lines:
                records.line, records.item_lines, records.by_number = number, [], {}
                entry.key_lines[base] = number
            if index not in records.by_number:
                record = _LineDict()
                record.line, record.key_lines, record.duplicates = number, {}, []
                records.by_number[index] = record
                records.append(record)
                records.item_lines.append(number)
            record = records.by_number[index]
            record[attr] = _from_cell(_cell(row, 2), "text") if _cell(row, 2) is not None else None
            record.key_lines[attr] = number
            continue
        if field in entry.key_lines:
            entry.duplicates.append((field, number))
        per_lang, kind = kinds.get(field, (False, "json"))
        langs = {lang: _cell(row, 3 + i) for i, lang in enumerate(LANGS) if _cell(row, 3 + i) is not None}
        value = _cell(row, 2)
        if per_lang:
            if value is not None:
                problems.append(Problem(name, number, f"field {field!r} is given per language: "
                                                      f"use the {', '.join(LANGS)} columns, not 'value'"))
                continue
            mapping = _LineDict({lang: _from_cell(v, kind) for lang, v in langs.items()})
            mapping.line, mapping.key_lines = number, {lang: number for lang in langs}
            entry[field] = mapping
        else:
            if langs:
                problems.append(Problem(name, number, f"field {field!r} is not given per language: "
                                                      "put it in the 'value' column"))
                continue
            if value is not None:
                entry[field] = _from_cell(value, kind)
        entry.key_lines[field] = number
    for entry in entries.values():  # records in the order of their numbers, however the rows are sorted
        for value in entry.values():
            if isinstance(value, _LineList) and hasattr(value, "by_number"):
                ordered = sorted(zip(value.by_number, value, value.item_lines), key=lambda r: int(r[0]))
                value[:] = [record for _, record, _ in ordered]
                value.item_lines = [line for _, _, line in ordered]
    listed = _LineList(entries.values())
    listed.line, listed.item_lines = 2, [e.line for e in entries.values()]
    return listed


def _read_synonyms(ws, name: str) -> dict:
    out = _LineDict()
    out.line, out.key_lines = 1, {}
    for number, row in enumerate(ws.iter_rows(values_only=True), 1):
        if number == 1:
            continue
        cells = [_cell(row, i) for i in range(len(row))]
        if not any(c is not None for c in cells):
            continue
        lang = _number_text(cells[0]) if cells[0] is not None else ""
        groups = out.setdefault(lang, _LineList())
        if lang not in out.key_lines:
            groups.line, groups.item_lines = number, []
            out.key_lines[lang] = number
        groups.append([_number_text(c) for c in cells[1:] if c is not None])
        groups.item_lines.append(number)
    return out


def load_xlsx(data: bytes, name: str = "upload.xlsx") -> KnowledgeBase:
    """Read a spreadsheet written by `to_xlsx` (and edited); problems name the file and row."""
    wb = _open_workbook(data, name)
    try:
        problems: list[Problem] = []
        sheet = wb["entries"] if "entries" in wb.sheetnames else wb.worksheets[0]
        entries = _read_entries(sheet, name, problems)
        document = _LineDict(entries=entries)
        document.line, document.key_lines = 1, {"entries": 1}
        documents = [(name, document)]
        if "synonyms" in wb.sheetnames:
            synonyms = _read_synonyms(wb["synonyms"], f"{name} (synonyms)")
            if synonyms:
                syn_doc = _LineDict(synonyms=synonyms)
                syn_doc.line, syn_doc.key_lines = 1, {"synonyms": 1}
                documents.append((f"{name} (synonyms)", syn_doc))
    finally:
        wb.close()
    return build_reporting(documents, problems)
