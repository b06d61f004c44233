"""Import is all or nothing, idempotent by id, exact with decimals and local time, and never
answers bad input with a traceback."""

from __future__ import annotations

import json
import unicodedata

import pytest

from conftest import ENGINES, ev, jsonl, laichau_year

pytestmark = pytest.mark.parametrize("thidua", ENGINES, indirect=True)


def test_a_valid_file_is_appended_and_counted(thidua, tmp_path):
    path = tmp_path / "year.jsonl"
    path.write_text(jsonl(laichau_year()), encoding="utf-8")
    result = thidua("import", str(path))
    assert result.code == 0
    assert result.out.strip() == f"appended {len(laichau_year())}, skipped 0 (already stored)"


def test_one_bad_line_appends_nothing_and_names_line_key_and_reason(thidua):
    events = laichau_year()
    events.insert(3, ev("score.self", unit="A", criterion="C1"))  # no points, line 4
    result = thidua("import", "-", input=jsonl(events))
    assert result.code == 1
    assert "LINE 4: points: missing key (required for score.self)" in result.err
    assert "nothing was appended" in result.err
    assert "Traceback" not in result.err
    if thidua.postgres:  # the database is the user's: nothing in it
        assert thidua.sql("SELECT count(*) FROM stored_events") == [(0,)]
    else:
        assert "no store at" in thidua("log").err  # nothing stored, not even an empty store file


def test_every_bad_line_is_reported_not_just_the_first(thidua):
    lines = [
        ev("unit.registered", unit="A"),
        ev("unit.registred", unit="B", name="x"),
        ev("unit.registered", unit="C", name="C", workers=-1),
    ]
    result = thidua("import", "-", input=jsonl(lines))
    assert result.code == 1
    assert "LINE 1: name: missing key (required for unit.registered)" in result.err
    assert "LINE 2: type: unknown event type 'unit.registred' (did you mean 'unit.registered'?)" in result.err
    assert "LINE 3: workers: must be at least 0, got -1" in result.err


def test_reimport_with_same_ids_is_a_noop(thidua):
    events = [dict(e, id=f"e{i}") for i, e in enumerate(laichau_year())]
    thidua.load(events)
    again = thidua.load(events)
    assert again.out.strip() == f"appended 0, skipped {len(events)} (already stored)"


def test_same_id_with_different_content_is_an_error(thidua):
    thidua.load([ev("unit.registered", id="u-a", unit="A", name="Đơn vị A")])
    result = thidua("import", "-", input=jsonl([ev("unit.registered", id="u-a", unit="A", name="Đơn vị Á")]))
    assert result.code == 1
    assert "LINE 1: id: id 'u-a' is already stored at position 1 with different content" in result.err


def test_same_id_twice_in_one_file_with_different_content_is_an_error(thidua):
    lines = [ev("unit.registered", id="x", unit="A", name="A"), ev("unit.registered", id="x", unit="B", name="B")]
    result = thidua("import", "-", input=jsonl(lines))
    assert result.code == 1
    assert "LINE 2: id: id 'x' is used by line 1 with different content" in result.err


def test_non_utf8_bytes_are_reported_with_their_line(thidua):
    data = (
        jsonl([ev("unit.registered", unit="A", name="A")]).encode() + b'{"type": "unit.registered", "name": "\xff"}\n'
    )
    result = thidua("import", "-", input=data)
    assert result.code == 1
    assert "LINE 2: (encoding): not UTF-8: byte 0xff at column 38" in result.err


def test_not_json_and_a_json_array_are_reported(thidua):
    result = thidua("import", "-", input='{"type": "unit.registered",\n[1, 2]\n')
    assert result.code == 1
    assert "LINE 1: (json): not JSON" in result.err
    assert "LINE 2: (json): expected a JSON object, got an array" in result.err


def test_a_ten_megabyte_line_is_refused_without_parsing(thidua):
    line = json.dumps(ev("unit.registered", unit="A", name="x" * (10 * 1024 * 1024)))
    result = thidua("import", "-", input=line + "\n")
    assert result.code == 1
    assert "LINE 1: (line): line is" in result.err and "over the limit of 1048576" in result.err


def test_an_empty_file_is_an_error(thidua, tmp_path):
    empty = tmp_path / "empty.jsonl"
    empty.write_bytes(b"")
    result = thidua("import", str(empty))
    assert result.code == 1
    assert "no events: the input is empty" in result.err


def test_a_missing_file_is_one_line(thidua, tmp_path):
    result = thidua("import", str(tmp_path / "nope.jsonl"))
    assert result.code == 1
    assert result.err.strip().count("\n") == 0 and "cannot read" in result.err


def test_duplicate_keys_in_one_object_are_refused(thidua):
    result = thidua(
        "import",
        "-",
        input='{"type":"unit.registered","province":"laichau","period":"2020","at":"2020-01-01","unit":"A","name":"A","unit":"B"}\n',
    )
    assert result.code == 1
    assert "LINE 1: unit: key appears twice in the object" in result.err


def test_unknown_province_and_malformed_date(thidua):
    result = thidua(
        "import",
        "-",
        input=jsonl(
            [
                ev("unit.registered", province="hanoi", unit="A", name="A"),
                ev("unit.registered", at="20/12/2020", unit="A", name="A"),
            ]
        ),
    )
    assert result.code == 1
    assert "LINE 1: province: unknown province 'hanoi' (installed:" in result.err
    assert "LINE 2: at: malformed date '20/12/2020'" in result.err


def test_points_stay_exact_decimals(thidua):
    thidua.load(laichau_year({"A": (100.5, 9.5), "B": (50, 5)}))
    exported = [json.loads(line) for line in thidua("log", "--format", "jsonl").out.splitlines()]
    assert [e["points"] for e in exported if e["type"] == "score.self" and e["unit"] == "A"] == [75, 25.5]
    assert thidua.units()["A"]["total"] == 110  # 75 + 25.5 + 9.5, exactly


def test_times_without_offset_are_local_and_stored_with_it(thidua):
    thidua.load(
        [
            ev("unit.registered", at="2020-12-19T16:00", unit="A", name="A"),
            ev("unit.registered", at="2020-12-19T09:00Z", unit="B", name="B"),
            ev("unit.registered", at="2020-12-19", unit="C", name="C"),
        ]
    )
    ats = [json.loads(line)["at"] for line in thidua("log", "--format", "jsonl").out.splitlines()]
    assert ats == ["2020-12-19T16:00:00+07:00", "2020-12-19T16:00:00+07:00", "2020-12-19T00:00:00+07:00"]


def test_text_is_nfc_normalised_and_printed_with_diacritics(thidua):
    decomposed = unicodedata.normalize("NFD", "LĐLĐ huyện Mường Tè")
    thidua.load([ev("unit.registered", unit="MT", name=decomposed)])
    exported = json.loads(thidua("log", "--format", "jsonl").out)
    assert exported["name"] == "LĐLĐ huyện Mường Tè" and unicodedata.is_normalized("NFC", exported["name"])
    assert "LĐLĐ huyện Mường Tè" in thidua("log").out


def test_an_exported_log_imports_again_unchanged(thidua, tmp_path):
    from conftest import Thidua

    thidua.load(laichau_year())
    exported = thidua("log", "--format", "jsonl").out
    assert thidua("import", "-", input=exported).out.strip().startswith("appended 0, skipped")  # same store: no-op
    fresh = Thidua(tmp_path / "fresh.sqlite")
    fresh("import", "-", input=exported)

    def strip(text):
        return [
            {k: v for k, v in json.loads(ln).items() if k not in ("recorded_at", "hash")} for ln in text.splitlines()
        ]

    assert strip(fresh("log", "--format", "jsonl").out) == strip(exported)
    assert fresh.standings()["blocks"][0]["units"] == thidua.standings()["blocks"][0]["units"]


def test_log_filters_by_type_and_subject(thidua):
    thidua.load(laichau_year())
    out = thidua("log", "--type", "score.provincial", "--subject", "B").out
    assert out.count("score.provincial") == 1 and "unit=B" in out
