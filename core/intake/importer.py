"""`thidua import`: read JSONL, validate every line against the format, the register and the
province's rules, then append all of it in one transaction, or nothing at all.

Each problem is reported as `LINE N: key: reason`. Re-importing an event whose `id` is stored
with the same content is a no-op; with different content it is an error.
"""

from __future__ import annotations

import difflib
import functools
import io
import itertools
import json
import random
import re
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, BinaryIO

from thidua.actors import seal
from thidua.actors.gate import Gate, SealMismatch, Signer
from thidua.decisions.results import Problem
from thidua.events import ACTOR_TYPES, ENVELOPE_REQUIRED, EVENT_TYPES, STORE_KEYS
from thidua.fields import MAX_COUNT, Field, Invalid
from thidua.intake import checks
from thidua.intake.lazyfacts import LazyFacts
from thidua.intake.periods import FACTS_HELD, Periods
from thidua.intake.spool import Spool
from thidua.log.chain import record_digest
from thidua.log.store import AppendConflict, Store, StoreBusy, Stored
from thidua.readmodels.index import ReadModels
from thidua.registry import Plugins
from thidua.replay.facts import Fact, Facts, live_record
from thidua.rules import RulesError

MAX_LINE_BYTES = 1 << 20  # 1 MiB: far above any real event, far below a runaway line


@dataclass(frozen=True)
class LineProblem:
    line: int
    key: str
    reason: str

    def __str__(self) -> str:
        return f"LINE {self.line}: {self.key}: {self.reason}"


@dataclass(slots=True)  # one per line of an import: no per-instance dict
class Candidate:
    line: int
    type: str
    record: dict[str, Any]  # stored form
    store_keys: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Twin:
    """What idempotency needs of a stored event: where it is, its type, its record's digest."""

    position: int
    type: str
    digest: str


@dataclass
class Outcome:
    appended: int = 0  # events appended
    skipped: int = 0
    problems: list[LineProblem] = field(default_factory=list)
    # `prepare` only: what the append would be, for a remote actor to seal (thidua.actors.seal)
    head: tuple[int, str] | None = None
    entries: list[tuple[int, str, str]] = field(default_factory=list)


class _DuplicateKey(ValueError):
    pass


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise _DuplicateKey(key)
        out[key] = value
    return out


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number")


# One decoder for every line (`json.loads` with options makes a new one per call): numbers exact,
# NaN and Infinity refused, a key given twice refused.
DECODER = json.JSONDecoder(parse_float=Decimal, parse_constant=_reject_constant, object_pairs_hook=_no_duplicates)


def parse_lines(data: bytes) -> tuple[list[tuple[int, dict[str, Any]]], list[LineProblem]]:
    """Split bytes into JSON objects, one per non-blank line; numbers become exact Decimals."""
    objects, problems = [], []
    for item in iter_objects(io.BytesIO(data)):
        if isinstance(item, LineProblem):
            problems.append(item)
        else:
            objects.append(item)
    return objects, problems


def iter_objects(source: BinaryIO) -> Iterator[tuple[int, dict[str, Any]] | LineProblem]:
    """The JSON objects of a JSONL stream, one line at a time (never the whole input in memory),
    or the problem of each line that is not one."""
    for number, raw in enumerate(_raw_lines(source), start=1):
        if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
            raw = raw[3:]  # a UTF-8 byte-order mark from Windows editors
        if len(raw) > MAX_LINE_BYTES:
            yield LineProblem(number, "(line)", f"line is {len(raw)} bytes, over the limit of {MAX_LINE_BYTES}")
            continue
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            yield LineProblem(number, "(encoding)", f"not UTF-8: byte 0x{raw[exc.start]:02x} at column {exc.start + 1}")
            continue
        if not text.strip():
            continue
        try:
            value = DECODER.decode(text)
        except _DuplicateKey as exc:
            yield LineProblem(number, str(exc), "key appears twice in the object")
            continue
        except (ValueError, RecursionError) as exc:
            yield LineProblem(number, "(json)", f"not JSON: {exc}")
            continue
        if not isinstance(value, dict):
            got = type(value).__name__ if not isinstance(value, list) else "an array"
            yield LineProblem(number, "(json)", f"expected a JSON object, got {got}")
            continue
        yield number, value


def _raw_lines(source: BinaryIO) -> Iterator[bytes]:
    """The input split at every newline, as `bytes.split` would (a last empty line included)."""
    last = b""
    for line in source:
        last = line
        yield line[:-1] if line.endswith(b"\n") else line
    if not last or last.endswith(b"\n"):
        yield b""


HEX_HASH = re.compile(r"[0-9a-f]{64}")


def _store_key_problem(key: str, value: Any) -> str | None:
    """The keys an export carries back (`position`, `recorded_at`, `hash`) have one shape each."""
    if key == "position" and not (isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= MAX_COUNT):
        return f"expected a log position (a whole number from 1 to {MAX_COUNT})"
    if key == "hash" and not (isinstance(value, str) and HEX_HASH.fullmatch(value)):
        return "expected a SHA-256 hash (64 lowercase hexadecimal digits)"
    if key == "recorded_at" and not (isinstance(value, str) and len(value) <= 64):
        return "expected an ISO 8601 date-time"
    if key == "seal" and not seal.well_formed(value):
        return "expected a batch seal (signer, first, signature)"
    return None


@functools.cache
def _shape(event_type: str) -> tuple[dict[str, Field], tuple[str, ...]]:
    """A type's fields and required keys, worked out once (not once per line)."""
    cls = EVENT_TYPES[event_type]
    return cls.fields(), (*ENVELOPE_REQUIRED, *cls.REQUIRED)


def normalise(number: int, raw: dict[str, Any], plugins: Plugins) -> Candidate | list[LineProblem]:
    """Check keys and types of one object; return its stored form or its problems."""
    problems: list[LineProblem] = []
    event_type = raw.get("type")
    if event_type is None:
        return [LineProblem(number, "type", "missing key")]
    cls = EVENT_TYPES.get(event_type) if isinstance(event_type, str) else None
    if cls is None:
        near = difflib.get_close_matches(str(event_type), EVENT_TYPES, n=1)
        hint = f" (did you mean {near[0]!r}?)" if near else ""
        return [LineProblem(number, "type", f"unknown event type {event_type!r}{hint}")]
    fields, required = _shape(event_type)
    record: dict[str, Any] = {}
    store_keys = {k: raw[k] for k in STORE_KEYS if k in raw}
    for key, value in store_keys.items():
        if reason := _store_key_problem(key, value):
            problems.append(LineProblem(number, key, reason))
    for key in required:
        if key not in raw:
            problems.append(LineProblem(number, key, f"missing key (required for {event_type})"))
    if cls.EITHER:
        given = [k for k in cls.EITHER if k in raw]
        if len(given) != 1:
            problems.append(
                LineProblem(
                    number,
                    "/".join(cls.EITHER),
                    f"{event_type} needs exactly one of " + ", ".join(map(repr, cls.EITHER)),
                )
            )
    for key, value in raw.items():
        if key == "type" or key in STORE_KEYS:
            continue
        if key not in fields:
            near = difflib.get_close_matches(key, fields, n=1)
            hint = f" (did you mean {near[0]!r}?)" if near else ""
            problems.append(LineProblem(number, key, f"unknown key for {event_type}{hint}"))
            continue
        try:
            record[key] = fields[key].store(fields[key].parse(value))
        except Invalid as exc:
            problems.append(LineProblem(number, key, str(exc)))
    everywhere = event_type in ACTOR_TYPES and record.get("province") == "*"
    if "province" in record and record["province"] not in plugins.provinces and not everywhere:
        known = ", ".join(sorted(plugins.provinces)) or "none"
        problems.append(
            LineProblem(number, "province", f"unknown province {record['province']!r} (installed: {known})")
        )
    if problems:
        return problems
    return Candidate(number, event_type, record, store_keys)


def import_events(
    store: Store,
    data: bytes | BinaryIO,
    plugins: Plugins,
    progress: Callable[[int], None] | None = None,
    signer: Signer | None = None,
    prepare: bool = False,
) -> Outcome:
    """Validate everything, then append everything (or nothing). Retries if another writer won.
    In an enforcing store `signer` writes: every line must be permitted to it (thidua.actors).
    `prepare`: validate only, and say which entries the append would write (a remote actor seals them).

    Two passes, in bounded memory whatever the input's size: the input is read a line at a time
    and validated against the log, the register and the province's rules, and each accepted
    line's stored form goes to a private spool file (`thidua.intake.spool`); only if no line has a
    problem is the spool appended, in one transaction, a chunk of rows at a time. `data` may be an
    open binary file; it must be seekable (a writer that lost a race to another validates again)."""
    source = io.BytesIO(data) if isinstance(data, bytes) else data
    models = ReadModels.of(store) if store.has_read_models else None
    deadline = time.monotonic() + store.wait
    attempt = 0
    while True:
        head = store.head()
        gate = Gate(store, plugins, signer)
        with Spool() as spool:
            outcome = _validate(store, models, head, source, plugins, gate, spool, progress)
            if outcome.problems or not len(spool):
                return outcome
            if prepare:  # what a remote actor signs: the entries this append would write after `head`
                outcome.head = head
                outcome.entries = [
                    (head[0] + n, event_type, record_digest(record))
                    for n, (event_type, record) in enumerate(spool, start=1)
                ]
                return outcome
            # Contention is not an error: a writer that lost the race validates again against the
            # new head, with backoff, until the store's wait runs out (then StoreBusy: exit 4).
            try:
                appended = store.append(
                    spool,
                    head,
                    within=models.within_append if models else None,  # the index commits with the events
                    timeout=max(0.001, deadline - time.monotonic()),
                    seal=gate.sealer(),
                )
            except AppendConflict:
                attempt += 1
                if time.monotonic() >= deadline:
                    raise StoreBusy(store.wait) from None
                time.sleep(min(1.0, 0.01 * 2**attempt) * (0.5 + random.random()))
                progress = None  # the bar counted the first validation
                source.seek(0)
                continue
            except SealMismatch:
                moved = "the log moved since the batch was prepared and sealed: prepare and seal again"
                return Outcome(problems=[LineProblem(0, "(seal)", moved)])
            outcome.appended = appended.count
            return outcome


REGISTERS = {"unit.registered": "unit", "person.registered": "person", "block.formed": "block"}


def _would_register(raw: dict[str, Any], number: int, refused: dict[tuple[str, str], int]) -> None:
    """Note the unit, person or block a refused line was registering, so the lines that name it
    can say why it is unknown."""
    event_type = raw.get("type")
    kind = REGISTERS.get(event_type) if isinstance(event_type, str) else None
    name = raw.get(kind) if kind else None
    if kind and isinstance(name, str):
        refused.setdefault((kind, name), number)


def _blame(problem: LineProblem, refused: dict[tuple[str, str], int]) -> LineProblem:
    """An unknown unit, person or block that a refused line registers: say so."""
    for (kind, name), line in refused.items():
        if problem.reason.startswith(f"unknown {kind} {name!r}"):
            return LineProblem(
                problem.line, problem.key, f"{problem.reason}; line {line}, which registers it, was refused"
            )
    return problem


CHUNK = 5000  # lines normalised, then looked up in the log together, at a time
LAZY_FROM = 20_000  # stored events of a period from which validation reads it as asked, not whole


class _Log:
    """What validation asks of the stored log (up to the validated head): the twins of the ids
    and export hashes a chunk of lines carries, and a province-period's stored events. With read
    models (SQLite, PostgreSQL) each is one indexed query; an in-memory store is read once."""

    def __init__(self, store: Store, models: ReadModels | None, head: tuple[int, str]):
        self.store, self.models, self.head = store, models, head[0]
        self._by_id: dict[str, Twin] | None = None
        self._by_hash: dict[str, Twin] = {}
        if models is not None:
            models.catch_up()
        elif self.head:
            self._by_id = {}
            for stored in store.read(stop=self.head):
                if stored.record.get("id"):
                    self._by_id[stored.record["id"]] = _twin(stored)
                self._by_hash[stored.hash] = _twin(stored)

    def twins(self, candidates: list[Candidate]) -> tuple[dict[str, Twin], dict[str, Twin]]:
        """The stored events these lines may repeat: by id, and by the chain hash an exported line
        carries (the hash covers the position, so it is only looked for where the line says)."""
        if not self.head:
            return {}, {}
        if self.models is None:
            assert self._by_id is not None
            return self._by_id, self._by_hash
        ids = {c.record["id"] for c in candidates if c.record.get("id")}
        by_id = {
            event_id: _twin(stored) for event_id, stored in self.models.ids(ids).items() if stored.position <= self.head
        }
        claimed = {
            c.store_keys["position"]: c.store_keys["hash"]
            for c in candidates
            if isinstance(c.store_keys.get("position"), int) and isinstance(c.store_keys.get("hash"), str)
        }
        by_hash = {
            stored.hash: _twin(stored)
            for stored in self.models.events(p for p in claimed if p <= self.head)
            if claimed[stored.position] == stored.hash
        }
        return by_id, by_hash

    def period(self, province: str, period: str) -> Facts:
        """A province-period's facts up to the head: folded whole, or for a big stored period,
        read as validation asks for them (`LazyFacts`: appending one line does not fold 200,000)."""
        if not self.head:
            return Facts(province, period)
        if self.models is None:
            stored: Iterable[Stored] = (
                s
                for s in self.store.read(stop=self.head)
                if (s.record["province"], s.record["period"]) == (province, period)
            )
        elif self.models.count(province, period, stop=self.head) >= LAZY_FROM:
            return LazyFacts(province, period, self.models, self.head)
        else:
            stored = self.models.period_events(province, period, stop=self.head)
        return Facts.of(stored, province, period)


def _twin(stored: Stored) -> Twin:
    return Twin(stored.position, stored.type, record_digest(stored.record))


def _validate(
    store: Store,
    models: ReadModels | None,
    head: tuple[int, str],
    source: BinaryIO,
    plugins: Plugins,
    gate: Gate,
    spool: Spool,
    progress: Callable[[int], None] | None,
) -> Outcome:
    """One pass over the input: every line that parses is checked against the format, the log,
    the register, the province's rules and (in an enforcing store) the actor's rights, so every
    bad line is reported at once; the accepted ones go to `spool`, in append order."""
    outcome = Outcome()
    problems = outcome.problems
    refused: dict[tuple[str, str], int] = {}  # (kind, key) a refused line would have registered -> line
    if denied := gate.begin(head):
        problems.append(LineProblem(0, denied.key, denied.reason))
    log = _Log(store, models, head)
    periods = Periods(log.period, spool, head[0] + 1, held=FACTS_HELD if models is not None else None)
    batch_ids: dict[str, tuple[int, str, str]] = {}  # id -> (line, type, digest) of this input's lines
    later: list[LineProblem] = []  # problems found against the log and the rules (may blame a refused line)
    objects = 0
    for chunk in _chunks(iter_objects(source), CHUNK):
        candidates: list[Candidate] = []
        for item in chunk:
            if isinstance(item, LineProblem):
                problems.append(item)
                continue
            objects += 1
            number, raw = item
            result = normalise(number, raw, plugins)
            if isinstance(result, list):
                problems.extend(result)
                _would_register(raw, number, refused)
            elif denied := gate.stamp(result.type, result.record):
                problems.append(LineProblem(number, denied.key, denied.reason))
            else:
                candidates.append(result)
        by_id, by_hash = log.twins(candidates)
        for candidate in candidates:
            found = _check_line(candidate, by_id, by_hash, batch_ids, periods, spool, plugins, gate, head[0])
            if found is None:
                outcome.skipped += 1
            elif found:
                later.extend(found)
        periods.check_budget()
        if progress:
            progress(len(chunk))
    if not objects and not problems:
        return Outcome(problems=[LineProblem(0, "(file)", "no events: the input is empty")])
    problems.extend(_blame(p, refused) for p in later)
    problems.sort(key=lambda p: p.line)
    return outcome


def _chunks(items: Iterator[Any], size: int) -> Iterator[list[Any]]:
    while chunk := list(itertools.islice(items, size)):
        yield chunk


def _check_line(
    candidate: Candidate,
    by_id: dict[str, Twin],
    by_hash: dict[str, Twin],
    batch_ids: dict[str, tuple[int, str, str]],
    periods: Periods,
    spool: Spool,
    plugins: Plugins,
    gate: Gate,
    head: int,
) -> list[LineProblem] | None:
    """One well-formed line against the log and the rules: None if it is already stored (skipped),
    its problems, or [] once it is accepted into the spool and its period's facts."""
    record, number, event_type = candidate.record, candidate.line, candidate.type
    event_id = record.get("id")
    stored_twin = by_hash.get(candidate.store_keys.get("hash", ""))
    # The record's digest only where there is something to compare it with (most lines carry no id).
    digest = record_digest(record) if stored_twin is not None or event_id else ""
    if stored_twin is not None and stored_twin.type == event_type and stored_twin.digest == digest:
        return None  # a line of our own export, already here
    if event_id in by_id:
        twin = by_id[event_id]
        if twin.type == event_type and twin.digest == digest:
            return None
        return [
            LineProblem(
                number, "id", f"id {event_id!r} is already stored at position {twin.position} with different content"
            )
        ]
    if event_id in batch_ids:
        line, twin_type, twin_digest = batch_ids[event_id]
        if twin_type == event_type and twin_digest == digest:
            return None
        return [LineProblem(number, "id", f"id {event_id!r} is used by line {line} with different content")]
    key = (record["province"], record["period"])
    facts = periods.facts(key)
    if refused := gate.check(event_type, record, facts):
        return [LineProblem(number, refused.key, refused.reason)]
    position = head + len(spool) + 1
    if event_type in ACTOR_TYPES:
        gate.accepted(position, event_type, record)
    else:
        try:
            rules = plugins.ruleset(*key)
        except RulesError as exc:
            return [LineProblem(number, "period", str(exc))]
        fact = Fact(position, event_type, live_record(event_type, record))
        found = checks.check(fact, facts, rules)
        if not found:
            try:
                found = plugins.call(record["province"], "thidua_validate", fact=fact, facts=facts, rules=rules) or []
            except Exception as exc:  # a plugin's fault must not look like the user's
                text = f"the {record['province']} plugin failed to validate: {type(exc).__name__}: {exc}"
                found = [Problem("(plugin)", text)]
        if found:
            return [LineProblem(number, p.key, p.text()) for p in found]
        facts.add(fact)
    if event_id:
        batch_ids[event_id] = (number, event_type, digest)
    index = spool.add(event_type, record)
    if event_type not in ACTOR_TYPES:  # (an actor's appointment is not a fact of its period until stored)
        periods.accepted(key, index)
    return []
