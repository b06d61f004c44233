"""An import reads its input a line at a time (issue 16): a file, stdin or a pipe give the same
outcome as the bytes themselves, and stdin is spooled to a file only its user can read."""

from __future__ import annotations

import io
import os
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from thidua.cli import records
from thidua.intake.importer import import_events, iter_objects, parse_lines
from thidua.log.store import Store
from thidua.registry import load_plugins

from conftest import Thidua, jsonl, laichau_year

BAD = (
    b'\xef\xbb\xbf{"type":"unit.registered","province":"laichau","period":"2020","at":"2020-01-01","unit":"A","name":"a"}\n'
    b"\n"
    b"not json\n"
    b"[1]\n"
    b'{"type":"nonsense"}\r\n'
    b"\xff\xfe\n"
    b'{"type":"unit.registered","province":"laichau","period":"2020","at":"2020-01-01","unit":"A","name":"b"}'
)


@pytest.mark.parametrize("data", [BAD, BAD + b"\n", b"", b"\n\n", b"{}"])
def test_lines_read_from_a_stream_are_the_lines_of_the_bytes(data):
    by_split = []
    text = data[3:] if data.startswith(b"\xef\xbb\xbf") else data
    for number, raw in enumerate(text.split(b"\n"), start=1):  # what `parse_lines` did before issue 16
        if raw.strip():
            by_split.append(number)
    streamed = [item[0] if isinstance(item, tuple) else item.line for item in iter_objects(io.BytesIO(data))]
    assert streamed == by_split
    objects, problems = parse_lines(data)
    assert sorted([n for n, _ in objects] + [p.line for p in problems]) == by_split


def test_a_file_handle_imports_as_its_bytes_do(tmp_path: Path):
    plugins = load_plugins()
    data = BAD
    stores = [Store(str(tmp_path / "a.sqlite")), Store(str(tmp_path / "b.sqlite"))]
    from_bytes = import_events(stores[0], data, plugins)
    (tmp_path / "in.jsonl").write_bytes(data)
    with open(tmp_path / "in.jsonl", "rb") as handle:
        from_file = import_events(stores[1], handle, plugins)
    for store in stores:
        store.close()
    assert [str(p) for p in from_file.problems] == [str(p) for p in from_bytes.problems]
    assert len(from_bytes.problems) == 4 and not from_file.appended


def test_stdin_and_a_pipe_import_as_the_file_does(tmp_path: Path):
    source = tmp_path / "year.jsonl"
    source.write_text(jsonl(laichau_year()), encoding="utf-8")
    by_file = Thidua(tmp_path / "f.sqlite")
    assert by_file("import", str(source)).code == 0
    by_stdin = Thidua(tmp_path / "s.sqlite")
    assert by_stdin("import", "-", input=source.read_bytes()).code == 0
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    writer = threading.Thread(target=lambda: fifo.write_bytes(source.read_bytes()))
    writer.start()
    command = [sys.executable, "-m", "thidua.cli.main", "--db", str(tmp_path / "p.sqlite"), "import", str(fifo)]
    piped = subprocess.run(command, capture_output=True, timeout=120)
    writer.join(timeout=60)
    assert piped.returncode == 0, piped.stderr
    by_pipe = Thidua(tmp_path / "p.sqlite")
    stored = [t.sql("SELECT count(*) FROM stored_events") for t in (by_file, by_stdin, by_pipe)]
    assert stored[0] == stored[1] == stored[2] == [(len(laichau_year()),)]
    assert by_file.standings()["blocks"] == by_stdin.standings()["blocks"] == by_pipe.standings()["blocks"]


def test_stdin_is_spooled_to_a_private_file(monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b'{"type": "x"}\n' * 3)))
    with records._open_input("-") as spooled:
        assert stat.S_IMODE(os.fstat(spooled.fileno()).st_mode) == 0o600
        assert spooled.read() == b'{"type": "x"}\n' * 3
        assert records._count_lines(spooled) == 3 and spooled.tell() == 0
