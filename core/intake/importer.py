"""`thidua import`: read JSONL, validate every line against the format, the register and the
province's rules, then append all of it in one transaction, or nothing at all.

Each problem is reported as `LINE N: key: reason`. Re-importing an event whose `id` is stored
with the same content is a no-op; with different content it is an error.
"""

from __future__ import annotations

import difflib
import io
import json
import random
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, BinaryIO

from thidua.actors import seal
from thidua.actors.gate import Gate, SealMismatch, Signer
from thidua.decisions.results import Problem
from thidua.events import ACTOR_TYPES, ENVELOPE_REQUIRED, EVENT_TYPES, STORE_KEYS
from thidua.fields import MAX_COUNT, Invalid
from thidua.intake import checks
from thidua.log.chain import canonical_bytes, record_digest
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
    appended: list[Stored] = field(default_factory=list)
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
            value = json.loads(
                text, parse_float=Decimal, parse_constant=_reject_constant, object_pairs_hook=_no_duplicates
            )
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
    fields = cls.fields()
    record: dict[str, Any] = {}
    store_keys = {k: raw[k] for k in STORE_KEYS if k in raw}
    for key, value in store_keys.items():
        if reason := _store_key_problem(key, value):
            problems.append(LineProblem(number, key, reason))
    for key in [*ENVELOPE_REQUIRED, *cls.REQUIRED]:
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


def same_content(a: dict[str, Any], b: dict[str, Any]) -> bool:
    return canonical_bytes(a) == canonical_bytes(b)


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
    `data` may be an open binary file: it is read one line at a time, and only each line's stored
    form is kept (not the input, nor its parsed objects)."""
    source = io.BytesIO(data) if isinstance(data, bytes) else data
    problems: list[LineProblem] = []
    candidates: list[Candidate] = []
    refused: dict[tuple[str, str], int] = {}  # (kind, key) a refused line would have registered -> line
    for item in iter_objects(source):
        if isinstance(item, LineProblem):
            problems.append(item)
            continue
        number, raw = item
        result = normalise(number, raw, plugins)
        if isinstance(result, list):
            problems.extend(result)
            _would_register(raw, number, refused)
        else:
            candidates.append(result)
    if not candidates and not problems:
        return Outcome(problems=[LineProblem(0, "(file)", "no events: the input is empty")])
    gate = Gate(store, plugins, signer)
    for candidate in candidates:
        if denied := gate.stamp(candidate.type, candidate.record):
            problems.append(LineProblem(candidate.line, denied.key, denied.reason))
    if problems:
        # One round: the well-formed lines are still checked against the log, the register and the
        # province's rules (and the actor's rights; nothing is appended), so every bad line is reported at once.
        head = store.head()
        denied = gate.begin(head)
        later = _check_against_log(store, head, candidates, plugins, gate=gate).problems if candidates else []
        if denied:
            later.append(LineProblem(0, denied.key, denied.reason))
        return Outcome(problems=sorted(problems + [_blame(p, refused) for p in later], key=lambda p: p.line))
    # Contention is not an error: a writer that lost the race validates again against the new
    # head, with backoff, until the store's wait runs out (then StoreBusy: exit 4, nothing written).
    models = ReadModels.of(store) if store.has_read_models else None
    deadline = time.monotonic() + store.wait
    attempt = 0
    while True:
        head = store.head()
        if denied := gate.begin(head):
            return Outcome(problems=[LineProblem(0, denied.key, denied.reason)])
        outcome = _check_against_log(store, head, candidates, plugins, progress, gate)
        if outcome.problems or not outcome.appended:
            return outcome
        if prepare:  # what a remote actor signs: the entries this append would write after `head`
            outcome.head = head
            outcome.entries = [
                (head[0] + n, c.type, record_digest(c.record)) for n, c in enumerate(outcome.appended, start=1)
            ]
            outcome.appended = []
            return outcome
        try:
            outcome.appended = store.append(
                [(c.type, c.record) for c in outcome.appended],
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
            continue
        except SealMismatch:
            moved = "the log moved since the batch was prepared and sealed: prepare and seal again"
            return Outcome(problems=[LineProblem(0, "(seal)", moved)])
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


def _known(
    store: Store, head: tuple[int, str], candidates: list[Candidate]
) -> tuple[dict[str, Twin], dict[str, Twin], dict[tuple[str, str], Facts]]:
    """What validation needs of the log: stored events by id and by hash (only a digest of each
    record is kept) and the facts of the province-periods the input touches. With read models
    (SQLite, PostgreSQL) only those are read; otherwise the whole log once."""
    by_id: dict[str, Twin] = {}
    by_hash: dict[str, Twin] = {}
    wanted = {(c.record["province"], c.record["period"]) for c in candidates}
    periods = {key: Facts(*key) for key in wanted}
    if not head[0]:
        return by_id, by_hash, periods

    def twin(stored: Stored) -> Twin:
        return Twin(stored.position, stored.type, record_digest(stored.record))

    if store.has_read_models:
        models = ReadModels.of(store)
        models.catch_up()
        ids = {c.record["id"] for c in candidates if c.record.get("id")}
        by_id = {event_id: twin(stored) for event_id, stored in models.ids(ids).items() if stored.position <= head[0]}
        claimed = {
            c.store_keys["position"]: c.store_keys["hash"]
            for c in candidates
            if isinstance(c.store_keys.get("position"), int) and isinstance(c.store_keys.get("hash"), str)
        }
        # The chain hash covers the position: a line's own hash can only be found where it says it was.
        by_hash = {
            stored.hash: twin(stored)
            for stored in models.events(p for p in claimed if p <= head[0])
            if claimed[stored.position] == stored.hash
        }
        for key, facts in periods.items():
            facts.add_all(Fact.from_stored(stored) for stored in models.period_events(*key, stop=head[0]))
        return by_id, by_hash, periods
    for stored in store.read(stop=head[0]):
        if stored.record.get("id"):
            by_id[stored.record["id"]] = twin(stored)
        by_hash[stored.hash] = twin(stored)
        key = (stored.record["province"], stored.record["period"])
        if key in periods:
            periods[key].add(Fact.from_stored(stored))
    return by_id, by_hash, periods


def _check_against_log(
    store: Store,
    head: tuple[int, str],
    candidates: list[Candidate],
    plugins: Plugins,
    progress: Callable[[int], None] | None = None,
    gate: Gate | None = None,
) -> Outcome:
    """Idempotency by id, the register, the sheet and the province's rules (and in an enforcing
    store the actor's permissions), line by line."""
    outcome = Outcome()
    by_id, by_hash, periods = _known(store, head, candidates)
    batch_ids: dict[str, Candidate] = {}
    accepted: list[Candidate] = []
    position = head[0]
    for done, candidate in enumerate(candidates, start=1):
        if progress and not done % 1000:
            progress(1000)
        record, number = candidate.record, candidate.line
        stored_twin = by_hash.get(candidate.store_keys.get("hash", ""))
        if (
            stored_twin is not None
            and stored_twin.type == candidate.type
            and stored_twin.digest == record_digest(record)
        ):
            outcome.skipped += 1  # a line of our own export, already here
            continue
        event_id = record.get("id")
        if event_id in by_id:
            twin = by_id[event_id]
            if twin.type == candidate.type and twin.digest == record_digest(record):
                outcome.skipped += 1
            else:
                outcome.problems.append(
                    LineProblem(
                        number,
                        "id",
                        f"id {event_id!r} is already stored at position {twin.position} with different content",
                    )
                )
            continue
        if event_id in batch_ids:
            twin_c = batch_ids[event_id]
            if twin_c.type == candidate.type and same_content(twin_c.record, record):
                outcome.skipped += 1
            else:
                outcome.problems.append(
                    LineProblem(number, "id", f"id {event_id!r} is used by line {twin_c.line} with different content")
                )
            continue
        key = (record["province"], record["period"])
        facts = periods.setdefault(key, Facts(*key))
        if gate is not None and (refused := gate.check(candidate.type, record, facts)):
            outcome.problems.append(LineProblem(number, refused.key, refused.reason))
            continue
        if candidate.type in ACTOR_TYPES:
            position += 1
            if gate is not None:
                gate.accepted(position, candidate.type, record)
            if event_id:
                batch_ids[event_id] = candidate
            accepted.append(candidate)
            continue
        try:
            rules = plugins.ruleset(*key)
        except RulesError as exc:
            outcome.problems.append(LineProblem(number, "period", str(exc)))
            continue
        fact = Fact(position + 1, candidate.type, live_record(candidate.type, record))
        found = checks.check(fact, facts, rules)
        if not found:
            try:
                found = plugins.call(record["province"], "thidua_validate", fact=fact, facts=facts, rules=rules) or []
            except Exception as exc:  # a plugin's fault must not look like the user's
                found = [
                    Problem(
                        "(plugin)", f"the {record['province']} plugin failed to validate: {type(exc).__name__}: {exc}"
                    )
                ]
        if found:
            outcome.problems.extend(LineProblem(number, p.key, p.text()) for p in found)
            continue
        position += 1
        facts.add(fact)
        if event_id:
            batch_ids[event_id] = candidate
        accepted.append(candidate)
    outcome.appended = accepted  # type: ignore[assignment]  # replaced by Stored after the append
    return outcome
