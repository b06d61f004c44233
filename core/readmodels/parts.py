"""Decision parts: per province and period and per *part* (one block for a plugin whose blocks
are independent, else the whole period), the decided document part and full result, with the
version of the events it was decided from and the fingerprint of what decided it (core schema,
plugin version and source, rule set). A part whose version or fingerprint moved is decided
again; the others are read back, so a new event costs one block, not a replay."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import orjson

from thidua.decisions.results import BlockResult, Standings
from thidua.documents.build import block_from_json, exact
from thidua.documents.jsonout import jsonl
from thidua.log.chain import GENESIS
from thidua.log.rows import decode_row
from thidua.log.verify import Tampered
from thidua.readmodels.codec import pack, unpack
from thidua.registry import Plugins
from thidua.replay.facts import Facts

SCHEMA = 6  # bump when the index, the scopes or the codec change: every read model is rebuilt
CHUNK = 500  # keys per `IN (…)` query
REDECIDE = "`thidua verify` names every difference; `thidua rebuild` decides again from the log"


class DecisionParts:
    """The decision parts of a store's read models (mixed into `ReadModels`, which owns the
    connection and the write transaction)."""

    datastore: Any
    events_table: str
    sql: Any  # thidua.log.engines.Sql: the engine's SQL differences
    _write: Callable[[Callable[[Any], Any]], Any]
    _read: Callable[[], Any]

    def parts(self, province: str, period: str, fingerprint: str) -> dict[str, tuple[str, int, Any]]:
        """The stored parts still decided by this fingerprint: part -> (version, order, document part).
        Each part's seal is checked first (see `seal`): an edited part is refused, never served."""
        with self._read() as c:
            c.execute(
                "SELECT part, fingerprint, version, ord, doc, seal FROM thidua_decisions "
                "WHERE province = ? AND period = ? AND fingerprint = ?",
                (province, period, fingerprint),
            )
            rows = c.fetchall()
            anchors = self.anchors(c, [version for _, _, version, _, _, _ in rows])
        out = {}
        for part, found, version, order, doc, stored_seal in rows:
            result_sha = stored_seal.split(":", 1)[0]
            if stored_seal != seal(province, period, part, found, version, order, doc, result_sha, anchors):
                raise Tampered(
                    "the kept decision does not match its seal (what decided it, the events it rests on and "
                    f"their hash at position {version.split(':')[0]}): the read models were edited ({REDECIDE})",
                    where=part_name(province, period, part),
                )
            out[part] = (version, order, doc and _document(orjson.loads(doc)))
        return out

    def results(self, province: str, period: str, names: list[str]) -> dict[str, Any]:
        """The full decided results (with every line) of these parts, each against its seal."""
        out: dict[str, Any] = {}
        for start in range(0, len(names), CHUNK):
            chunk = names[start : start + CHUNK]
            with self._read() as c:
                c.execute(
                    f"SELECT part, result, seal FROM thidua_decisions WHERE province = ? AND period = ? AND part IN "
                    f"({','.join('?' * len(chunk))})",
                    [province, period, *chunk],
                )
                rows = c.fetchall()
            for part, result, stored_seal in rows:
                if stored_seal.split(":", 1)[0] != digest(result):
                    raise Tampered(
                        f"the kept result does not match its seal: the read models were edited ({REDECIDE})",
                        where=part_name(province, period, part),
                    )
                if result is not None:
                    out[part] = unpack(orjson.loads(result))
        return out

    def anchors(self, c: Any, versions: Iterable[str]) -> dict[int, str]:
        """The log's hash at the last position of each version (`position:count`)."""
        positions = sorted({int(version.split(":", 1)[0]) for version in versions} - {0})
        out = {0: GENESIS}
        for start in range(0, len(positions), CHUNK):
            chunk = positions[start : start + CHUNK]
            c.execute(
                self.sql.select + f"originator_version IN ({','.join('?' * len(chunk))})",
                [self.sql.ledger, *chunk],
            )
            out.update((row[0], decode_row(row).hash) for row in c.fetchall())
        return out

    def save(
        self,
        province: str,
        period: str,
        fingerprint: str,
        decided: dict[str, tuple[str, int, Any, Any]],
        gone: Iterable[str] = (),
    ) -> None:
        """Store decided parts (part -> (version, order, document part, full result)); drop `gone` ones."""
        rows = [
            (
                province,
                period,
                part,
                fingerprint,
                version,
                order,
                None if doc is None else jsonl(doc).encode(),
                None if result is None else orjson.dumps(pack(result)),
            )
            for part, (version, order, doc, result) in decided.items()
        ]

        def store(c: Any) -> None:
            anchors = self.anchors(c, [row[4] for row in rows])
            sealed = [(*row, seal(*row[:7], digest(row[7]), anchors)) for row in rows]
            c.executemany(
                "DELETE FROM thidua_decisions WHERE province = ? AND period = ? AND part = ?",
                [(province, period, part) for part in gone],
            )
            c.executemany(
                "INSERT INTO thidua_decisions VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (province, period, part) "
                "DO UPDATE SET fingerprint = excluded.fingerprint, version = excluded.version, ord = excluded.ord, "
                "doc = excluded.doc, result = excluded.result, seal = excluded.seal",
                sealed,
            )

        self._write(store)


def digest(blob: bytes | None) -> str:
    return "-" if blob is None else hashlib.sha256(blob).hexdigest()


def seal(
    province: str,
    period: str,
    part: str,
    fingerprint: str,
    version: str,
    order: int,
    doc: bytes | None,
    result_sha: str,
    anchors: dict[int, str],
) -> str:
    """`sha256(result):sha256(everything)`: a kept part bound to what decided it, the version of its
    events and the log's hash at that version's last position (a part of a rewritten history or
    a part edited in place no longer matches). Not a signature: whoever can write the file can
    recompute it; `thidua verify` and `--fresh` decide again from the log instead."""
    anchor = anchors.get(int(version.split(":", 1)[0]), "missing")
    material = "\x1f".join((province, period, part, fingerprint, version, str(order), anchor, digest(doc), result_sha))
    return f"{result_sha}:{hashlib.sha256(material.encode()).hexdigest()}"


def blocks_seal(province: str, period: str, position: int, state: bytes, anchors: dict[int, str]) -> str:
    """The kept blocks of a province-period bound to the log's hash at their last position (a
    checksum, like `seal`)."""
    material = "\x1f".join((province, period, str(position), anchors.get(position, "missing"), digest(state)))
    return hashlib.sha256(material.encode()).hexdigest()


def part_name(province: str, period: str, part: str) -> str:
    return f"the kept decision of {province} {period}" + (f" block {part}" if part else "")


def _document(doc: dict[str, Any]) -> dict[str, Any]:
    """A stored document part (a block, or a period's blocks and notes) with exact numbers again.
    Stored as printed (`thidua.documents.jsonout`): reading it back is one orjson call, not a walk."""
    if "units" in doc:
        return block_from_json(doc)
    for block in doc["blocks"]:
        block_from_json(block)
    for line in doc["notes"]:
        line["points"] = exact(line["points"])
    return doc


def blocks_independent(plugins: Plugins, province: str) -> bool:
    """Whether a province's decisions are kept one part per block (else one part per period)."""
    if not plugins.implements(province, "thidua_standings"):
        return False
    if plugins.province(province).blocks_independent:
        return True
    # the deprecated hook, for plugins written before the flag moved onto the Province
    return plugins.implements(province, "thidua_blocks_independent") and (
        plugins.call(province, "thidua_blocks_independent") is True
    )


def fingerprint(module: Any, province_version: str, rules_json: Any) -> str:
    """What decided a part: core's schema, the plugin's version and source files, the rule set."""
    digest = hashlib.sha256(
        f"{SCHEMA}\x1f{province_version}\x1f".encode() + orjson.dumps(rules_json, option=orjson.OPT_SORT_KEYS)
    )
    origin = getattr(module, "__file__", None)
    if origin:
        folder = Path(origin).parent
        files = (
            sorted(folder.rglob("*.py")) + sorted(folder.rglob("*.toml"))
            if hasattr(module, "__path__")
            else [Path(origin)]
        )
        for path in files:
            digest.update(path.name.encode() + b"\x1f" + path.read_bytes())
    return digest.hexdigest()


# -- which events a block's decision rests on -------------------------------------------------
class Blocks:
    """The blocks of a province-period and what each block's decision rests on: the block's
    own events, its linked units' and their persons' events, and province-wide ones.

    Kept from index rows in order; the version of a block is the last position and the count
    of those events. The log only grows, and every change of which events a block rests on is
    itself one of them (a member added, a person registered to a unit), so a block whose
    version did not move has nothing new to decide."""

    def __init__(
        self,
        position: int = 0,
        latest: dict | None = None,
        units: dict | None = None,
        persons: dict | None = None,
        formed: list | None = None,
    ):
        self.position = position  # the last index row applied
        self.latest: dict[str, list[int]] = latest or {}  # key (b:K1, u:U1, p:P1, *) -> [last position, count]
        self.units: dict[str, set[str]] = {b: set(us) for b, us in (units or {}).items()}  # block -> units linked
        self.persons: dict[str, set[str]] = {u: set(ps) for u, ps in (persons or {}).items()}  # unit -> persons
        self.formed: list[str] = formed or []

    def add(self, rows: Iterable[tuple]) -> None:
        for position, event_type, block, unit, person, links in rows:
            keys = [f"{prefix}:{value}" for prefix, value in (("b", block), ("u", unit), ("p", person)) if value] or [
                "*"
            ]
            for key in keys:
                seen = self.latest.setdefault(key, [0, 0])
                seen[0], seen[1] = position, seen[1] + 1
            if links and block:
                self.units.setdefault(block, set()).update(links.split(" "))
            if links and person:
                for linked in links.split(" "):
                    self.persons.setdefault(linked, set()).add(person)
            if event_type == "block.formed" and block not in self.formed:
                self.formed.append(block)
            self.position = position

    def keys(self, block: str) -> set[str]:
        units = self.units.get(block, set())
        return (
            {"*", f"b:{block}"} | {f"u:{u}" for u in units} | {f"p:{p}" for u in units for p in self.persons.get(u, ())}
        )

    def version(self, block: str) -> str:
        seen = [self.latest[k] for k in self.keys(block) if k in self.latest]
        return f"{max((s[0] for s in seen), default=0)}:{sum(s[1] for s in seen)}"

    def to_json(self) -> bytes:
        return orjson.dumps(
            {
                "position": self.position,
                "latest": self.latest,
                "formed": self.formed,
                "units": {b: sorted(us) for b, us in self.units.items()},
                "persons": {u: sorted(ps) for u, ps in self.persons.items()},
            }
        )

    @classmethod
    def from_json(cls, data: bytes) -> Blocks:
        return cls(**orjson.loads(data))


def split(standings: Standings, facts: Facts) -> dict[str, tuple[int, BlockResult]]:
    """A standings' blocks by key, each with its order (the position of its `block.formed`)."""
    formed = {f["block"]: f.position for f in facts.blocks()}
    return {b.block: (formed[b.block], b) for b in standings.blocks}
