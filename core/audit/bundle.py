"""Audit bundles: one zip an auditor can check without the operator's database.

    manifest.json      what the bundle holds, with the SHA-256 of every file
    checkpoint.json    the operator's signed (position, head hash, time)
    events.jsonl       the period's events in the public format, with position, recorded_at, hash
    chain.jsonl        every other event of the log up to the checkpoint as (position, type,
                       recorded_at, record_sha256): enough to recompute the chain, nothing of its content
    actors.jsonl, seals.jsonl
                       enforcing stores only: the appointments and revocations in full (public keys,
                       roles) and every batch's seal, so the signatures verify offline
    standings.json, eligibility.json, explain/<kind>-<subject>.json
                       the decisions, exactly as `--format json` prints them

`verify_bundle` recomputes the whole chain to the signed head, replays the period from the
bundle's events alone and requires every decision document to come out byte for byte.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import zipfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

from thidua.actors.mode import ENFORCING, OPEN, mode_of
from thidua.audit import checkpoint
from thidua.audit import files as files_
from thidua.decisions.decider import Decider
from thidua.documents.build import export_json
from thidua.documents.jsonout import jsonl, to_json
from thidua.events import ACTOR_TYPES
from thidua.intake.importer import normalise, parse_lines
from thidua.log import chain
from thidua.log.rows import Stored
from thidua.registry import Plugins
from thidua.replay.fold import Replay, replay_events
from thidua.rules import RulesError

if TYPE_CHECKING:
    from thidua.log.store import Store

KIND = "thidua audit bundle"


class BundleError(Exception):
    """The file is not a readable bundle (bad input)."""


class BundleBreach(Exception):
    """The bundle does not prove what it claims (an integrity failure)."""


def document_bytes(data: dict[str, Any]) -> bytes:
    """The exact bytes `--format json` prints."""
    return (to_json(data) + "\n").encode("utf-8")


def _line(data: dict[str, Any]) -> bytes:
    return (jsonl(data) + "\n").encode("utf-8")


def write_bundle(store: Store, plugins: Plugins, province: str, period: str, key: Path, out: Path) -> dict[str, Any]:
    rules = plugins.ruleset(province, period)
    position, head_hash = store.head()
    signed = checkpoint.sign(key, position, head_hash)
    mine: list[Stored] = []
    events, skeleton, actors, seals = io.BytesIO(), io.BytesIO(), io.BytesIO(), io.BytesIO()
    mode = mode_of(store)
    for stored in store.read(stop=position or None) if position else ():
        if stored.seal is not None:
            seals.write(_line({"position": stored.position, "seal": stored.seal}))
        if stored.type in ACTOR_TYPES:
            actors.write(_line(export_json(stored)))
        if stored.record["province"] == province and stored.record["period"] == period:
            mine.append(stored)
            events.write(_line(export_json(stored)))
        else:
            skeleton.write(
                _line(
                    {
                        "position": stored.position,
                        "type": stored.type,
                        "recorded_at": stored.recorded_iso,
                        "record_sha256": chain.record_digest(stored.record),
                    }
                )
            )
    run = replay_events(mine, province, period)
    decider = Decider(plugins, province, rules, Replay(run.facts, position, head_hash, mode))
    files = {
        "checkpoint.json": document_bytes(signed),
        "events.jsonl": events.getvalue(),
        "chain.jsonl": skeleton.getvalue(),
    }
    if mode == ENFORCING:
        files.update({"actors.jsonl": actors.getvalue(), "seals.jsonl": seals.getvalue()})
    files.update({name: document_bytes(doc) for name, doc in decider.documents().items()})
    manifest = {
        "kind": KIND,
        "province": province,
        "period": period,
        "position": position,
        "head_hash": head_hash,
        "plugin_version": decider.province.version,
        "rules": rules.as_json(),
        "events": len(mine),
        "files": {name: hashlib.sha256(data).hexdigest() for name, data in sorted(files.items())},
    }
    # A fixed timestamp per entry: the same log gives the same zip, byte for byte.
    with files_.create(out, 0o644) as handle:  # a new file, never through a link
        try:
            with zipfile.ZipFile(handle, "w", compression=zipfile.ZIP_DEFLATED) as archive:
                for name, data in [("manifest.json", document_bytes(manifest)), *sorted(files.items())]:
                    info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
                    info.compress_type = zipfile.ZIP_DEFLATED
                    archive.writestr(info, data)
        except BaseException:
            out.unlink()  # no half-written bundle is left behind
            raise
    return manifest


@dataclass(frozen=True)
class BundleVerified:
    province: str
    period: str
    position: int
    head_hash: str
    signer: str
    events: int
    digests: int
    documents: int
    trusted: bool  # signed by a key the caller trusts; False: consistent, but signed by anyone


# Limits checked on the zip's directory before anything is decompressed. A bundle of a 50,000-event
# period in a 1,000,000-event log is ~170 MB unpacked (chain.jsonl is ~150 bytes per other event) and
# JSON compresses well under 30:1; a zip bomb is 1,000:1.
MAX_MEMBERS = 200_000
MAX_MEMBER_BYTES = 512 * 2**20
MAX_TOTAL_BYTES = 1024 * 2**20
MAX_RATIO = 100  # uncompressed / compressed, for members over RATIO_FLOOR bytes
RATIO_FLOOR = 2**20
MAX_MANIFEST_BYTES = 64 * 2**20
FIXED = ("checkpoint.json", "events.jsonl", "chain.jsonl")
SIGNED = ("actors.jsonl", "seals.jsonl")  # an enforcing store's bundle: appointments and seals


def _member_problem(info: zipfile.ZipInfo) -> str | None:
    name = info.filename
    parts = name.split("/")
    if not name or name.startswith("/") or "\\" in name or re.match(r"^[A-Za-z]:", name) or "\x00" in name:
        return "an absolute or unsafe name"
    if any(part in ("", ".", "..") for part in parts):
        return "a name with '..', '.' or an empty part"
    if info.flag_bits & 0x1:
        return "encrypted"
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        return f"compressed with method {info.compress_type}"
    if info.file_size > MAX_MEMBER_BYTES:
        return f"{info.file_size} bytes unpacked, over the limit of {MAX_MEMBER_BYTES}"
    if info.file_size > RATIO_FLOOR and info.file_size > MAX_RATIO * max(info.compress_size, 1):
        return f"compressed {info.file_size // max(info.compress_size, 1)}:1, over the limit of {MAX_RATIO}:1"
    return None


def _read_zip(path: Path) -> dict[str, bytes]:
    """Every member, after the directory passed every limit (names, count, sizes, ratios)."""
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
            if len(infos) > MAX_MEMBERS:
                raise BundleError(f"{path}: {len(infos)} members, over the limit of {MAX_MEMBERS}")
            seen: set[str] = set()
            for info in infos:
                problem = _member_problem(info)
                if problem:
                    raise BundleError(f"{path}: member {info.filename[:120]!r}: {problem}; refused before unpacking")
                if info.filename in seen:
                    raise BundleError(f"{path}: member {info.filename!r} appears twice; refused before unpacking")
                seen.add(info.filename)
            total = sum(info.file_size for info in infos)
            if total > MAX_TOTAL_BYTES:
                raise BundleError(f"{path}: {total} bytes unpacked, over the limit of {MAX_TOTAL_BYTES}")
            files = {}
            for info in infos:
                with archive.open(info) as member:
                    data = member.read(info.file_size + 1)  # never more than the directory declared
                if len(data) != info.file_size:
                    raise BundleError(f"{path}: member {info.filename!r} is not the size its directory says")
                files[info.filename] = data
            return files
    except (OSError, zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, RuntimeError) as exc:
        raise BundleError(f"{path}: not a readable zip ({exc})") from None


def _manifest(path: Path, data: bytes) -> dict[str, Any]:
    """The manifest, every field checked for its kind and `files` without a name twice."""

    def refuse(why: str) -> BundleError:
        return BundleError(f"{path}: manifest.json is not a bundle manifest: {why}")

    if len(data) > MAX_MANIFEST_BYTES:
        raise refuse("too large")

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in items:
            if key in out:
                raise refuse(f"{key!r} appears twice")
            out[key] = value
        return out

    def constant(name: str) -> Any:
        raise refuse(f"{name} is not a JSON number")

    try:
        manifest = json.loads(data, object_pairs_hook=pairs, parse_constant=constant)
    except (ValueError, RecursionError) as exc:  # JSONDecodeError, bad UTF-8
        raise refuse(f"not JSON ({exc})") from None
    if not isinstance(manifest, dict):
        raise refuse("not an object")
    wanted = {
        "kind": lambda v: v == KIND,
        "province": lambda v: isinstance(v, str) and 0 < len(v) <= 100,
        "period": lambda v: isinstance(v, str) and 0 < len(v) <= 20,
        "position": lambda v: isinstance(v, int) and not isinstance(v, bool) and v >= 0,
        "head_hash": lambda v: isinstance(v, str) and re.fullmatch(r"[0-9a-f]{64}", v) is not None,
        "plugin_version": lambda v: isinstance(v, str),
        "rules": lambda v: isinstance(v, dict) and isinstance(v.get("version"), str),
        "events": lambda v: isinstance(v, int) and not isinstance(v, bool) and v >= 0,
        "files": lambda v: (
            isinstance(v, dict) and all(isinstance(d, str) and re.fullmatch(r"[0-9a-f]{64}", d) for d in v.values())
        ),
    }
    for key, valid in wanted.items():
        if key not in manifest:
            raise refuse(f"{key} is missing")
        if not valid(manifest[key]):
            raise refuse(f"{key} is malformed")
    return manifest


def _jsonl(data: bytes, name: str) -> list[tuple[int, dict[str, Any]]]:
    out = []
    for number, raw in enumerate(data.splitlines(), start=1):
        try:
            value = orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            raise BundleBreach(f"{name} line {number}: not JSON ({exc})") from None
        if not isinstance(value, dict):
            raise BundleBreach(f"{name} line {number}: not a JSON object")
        out.append((number, value))
    return out


def verify_bundle(path: Path, plugins: Plugins, trusted: list[bytes] | None) -> BundleVerified:
    """Check a bundle from itself alone. With `trusted` keys its checkpoint must be signed by one
    of them; without, the result says so (`trusted` False): consistent is not verified."""
    files = _read_zip(path)
    if "manifest.json" not in files:
        raise BundleError(f"{path}: no manifest.json: not a thidua audit bundle")
    manifest = _manifest(path, files.pop("manifest.json"))
    province, period, listed = manifest["province"], manifest["period"], manifest["files"]
    for name in sorted(set(listed) | set(files)):
        if name not in files:
            raise BundleBreach(f"{name} is listed in the manifest but missing from the bundle")
        if name not in listed:
            raise BundleBreach(f"{name} is in the bundle but not in its manifest")
        if hashlib.sha256(files[name]).hexdigest() != listed[name]:
            raise BundleBreach(f"{name} does not match its SHA-256 in the manifest: it was changed")
    for name in FIXED:
        if name not in files:
            raise BundleError(f"{path}: no {name}: not a thidua audit bundle")
    for name in sorted(files):
        if name not in FIXED + SIGNED and not (
            name.endswith(".json") and (name.count("/") == 0 or name.startswith("explain/"))
        ):
            raise BundleBreach(f"{name} is not a file of a thidua audit bundle")
    try:
        signed = checkpoint.check(checkpoint.read(files["checkpoint.json"], "checkpoint.json"), trusted)
    except checkpoint.ForgedCheckpoint as exc:
        raise BundleBreach(f"checkpoint.json: {exc}") from None
    if (signed.position, signed.head_hash) != (manifest["position"], manifest["head_hash"]):
        raise BundleBreach("the manifest's position and head hash are not the signed checkpoint's")
    mine = _events(files["events.jsonl"], plugins, province, period)
    skeleton = _jsonl(files["chain.jsonl"], "chain.jsonl")
    head = _recompute_chain(mine, skeleton, signed.position)
    if head != signed.head_hash:
        raise BundleBreach(
            f"the recomputed chain ends in {head[:16]}…, the signed checkpoint says {signed.head_hash[:16]}…"
        )
    mode = OPEN
    if "seals.jsonl" in files or "actors.jsonl" in files:
        mode = ENFORCING
        _verify_signatures(files, mine, skeleton, plugins)
    try:
        rules = plugins.ruleset(province, period)
    except RulesError as exc:
        raise BundleError(str(exc)) from None
    run = replay_events(mine, province, period)
    decider = Decider(plugins, province, rules, Replay(run.facts, signed.position, signed.head_hash, mode))
    expected = {name: document_bytes(doc) for name, doc in decider.documents().items()}
    shown = {name for name in files if name.endswith(".json") and name not in ("checkpoint.json",)}
    version = (
        f" (bundle made with plugin {manifest['plugin_version']}, rule set {manifest['rules']['version']}; "
        f"installed: {decider.province.version}, {rules.version})"
    )
    for name in sorted(shown | set(expected)):
        if name not in expected:
            raise BundleBreach(f"{name}: the replay decides nothing for this subject" + version)
        if name not in shown:
            raise BundleBreach(f"{name}: the replay decides this, but the bundle does not show it" + version)
        if files[name] != expected[name]:
            raise BundleBreach(f"{name}: the replay does not reproduce this decision" + version)
    return BundleVerified(
        province,
        period,
        signed.position,
        signed.head_hash,
        signed.signer,
        len(mine),
        signed.position - len(mine),
        len(expected),
        signed.trusted,
    )


def _verify_signatures(
    files: dict[str, bytes], mine: list[Stored], skeleton: list[tuple[int, dict[str, Any]]], plugins: Plugins
) -> None:
    """Every batch's seal against the key its signer held then: the period's events and the
    appointments in full, every other event by its digest (its rights are judged by `verify`
    on the store, which holds its content)."""
    from thidua.actors.audit import ActorBreach, Link, verify_actors

    for name in ("actors.jsonl", "seals.jsonl"):
        if name not in files:
            raise BundleBreach(f"{name} is missing: an enforcing store's bundle carries appointments and seals")
    full = {s.position: s for s in mine}
    full.update({s.position: s for s in _events(files["actors.jsonl"], plugins, None, None)})
    seals: dict[int, dict[str, Any]] = {}
    for number, entry in _jsonl(files["seals.jsonl"], "seals.jsonl"):
        if not isinstance(entry.get("position"), int) or not isinstance(entry.get("seal"), dict):
            raise BundleBreach(f"seals.jsonl line {number}: needs position and seal")
        seals[entry["position"]] = entry["seal"]
    digests = {int(e["position"]): (str(e["type"]), str(e["record_sha256"])) for _, e in skeleton}
    for position, stored in full.items():
        digests[position] = (stored.type, chain.record_digest(stored.record))  # the chain already proved mine
    if digests.get(1, ("",))[0] != "actor.appointed" or 1 not in full:
        raise BundleBreach("the bundle has seals but its position 1 does not appoint an administrator")
    for position, stored in full.items():
        if stored.type in ACTOR_TYPES and chain.record_digest(stored.record) != digests[position][1]:
            raise BundleBreach(f"actors.jsonl: the appointment at position {position} is not the one chained there")

    def walk():
        for position in sorted(digests):
            stored = full.get(position)
            yield Link(
                position,
                digests[position][0],
                digests[position][1],
                stored.record if stored is not None else None,
                None,
                seals.get(position),
            )

    found = verify_actors(walk(), plugins, scope=False)
    if isinstance(found, ActorBreach):
        raise BundleBreach(f"signatures: position {found.position}: {found.reason}")


def _events(data: bytes, plugins: Plugins, province: str | None, period: str | None) -> list[Stored]:
    out = []
    objects, problems = parse_lines(data)  # exact decimals, as `thidua import` reads them
    if problems:
        raise BundleBreach(f"events.jsonl: {problems[0]}")
    for number, raw in objects:
        store_keys = {k: raw.pop(k, None) for k in ("position", "recorded_at", "hash", "seal")}
        candidate = normalise(number, raw, plugins)
        if isinstance(candidate, list):
            raise BundleBreach(f"events.jsonl line {number}: " + "; ".join(f"{p.key}: {p.reason}" for p in candidate))
        if province is not None and (candidate.record["province"], candidate.record["period"]) != (province, period):
            raise BundleBreach(f"events.jsonl line {number}: an event of another province or period")
        try:
            recorded_at = datetime.fromisoformat(store_keys["recorded_at"])
            out.append(
                Stored(
                    int(store_keys["position"]), candidate.type, candidate.record, recorded_at, str(store_keys["hash"])
                )
            )
        except (TypeError, ValueError) as exc:
            raise BundleBreach(f"events.jsonl line {number}: position, recorded_at or hash malformed ({exc})") from None
    return out


def _recompute_chain(mine: list[Stored], skeleton: list[tuple[int, dict[str, Any]]], last: int) -> str:
    links: dict[int, tuple[str, str, str]] = {}
    for stored in mine:
        links[stored.position] = (stored.type, stored.recorded_iso, chain.record_digest(stored.record))
    for number, entry in skeleton:
        try:
            position = int(entry["position"])
            item = (str(entry["type"]), str(entry["recorded_at"]), str(entry["record_sha256"]))
        except (KeyError, TypeError, ValueError):
            raise BundleBreach(f"chain.jsonl line {number}: needs position, type, recorded_at, record_sha256") from None
        if position in links:
            raise BundleBreach(f"chain.jsonl line {number}: position {position} appears twice")
        links[position] = item
    previous = chain.GENESIS
    claimed = {s.position: s.hash for s in mine}
    for position in range(1, last + 1):
        if position not in links:
            raise BundleBreach(f"position {position} is missing from the bundle's chain")
        previous = chain.link_digest(previous, position, *links[position])
        if position in claimed and claimed[position] != previous:
            raise BundleBreach(
                f"events.jsonl: the event at position {position} does not match its hash: it was altered"
            )
    if len(links) != last:
        raise BundleBreach(f"the bundle has events beyond the signed position {last}")
    return previous
