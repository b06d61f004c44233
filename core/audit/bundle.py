"""Audit bundles: one zip an auditor can check without the operator's database.

    manifest.json      what the bundle holds, with the SHA-256 of every file
    checkpoint.json    the operator's signed (position, head hash, time)
    events.jsonl       the period's events in the public format, with position, recorded_at, hash
    chain.jsonl        every other event of the log up to the checkpoint as (position, type,
                       recorded_at, record_sha256): enough to recompute the chain, nothing of its content
    standings.json, eligibility.json, explain/<kind>-<subject>.json
                       the decisions, exactly as `--format json` prints them

`verify_bundle` recomputes the whole chain to the signed head, replays the period from the
bundle's events alone and requires every decision document to come out byte for byte.
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import orjson

from thidua.audit import checkpoint
from thidua.decisions.decider import Decider
from thidua.documents.build import export_json
from thidua.documents.jsonout import jsonl, to_json
from thidua.intake.importer import normalise, parse_lines
from thidua.log import chain
from thidua.log.store import Store, Stored
from thidua.registry import Plugins
from thidua.replay.fold import Replay, replay_events
from thidua.rules import RulesError

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
    events, skeleton = io.BytesIO(), io.BytesIO()
    for stored in store.read(stop=position or None) if position else ():
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
    decider = Decider(plugins, province, rules, Replay(run.facts, position, head_hash))
    files = {
        "checkpoint.json": document_bytes(signed),
        "events.jsonl": events.getvalue(),
        "chain.jsonl": skeleton.getvalue(),
    }
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
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in [("manifest.json", document_bytes(manifest)), *sorted(files.items())]:
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
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


def _read_zip(path: Path) -> dict[str, bytes]:
    try:
        with zipfile.ZipFile(path) as archive:
            return {name: archive.read(name) for name in archive.namelist()}
    except (OSError, zipfile.BadZipFile) as exc:
        raise BundleError(f"{path}: not a readable zip ({exc})") from None


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


def verify_bundle(path: Path, plugins: Plugins, public_key: Path | None) -> BundleVerified:
    files = _read_zip(path)
    if "manifest.json" not in files:
        raise BundleError(f"{path}: no manifest.json: not a thidua audit bundle")
    try:
        manifest = orjson.loads(files.pop("manifest.json"))
        province, period, listed = manifest["province"], manifest["period"], manifest["files"]
        if manifest["kind"] != KIND:
            raise KeyError("kind")
    except (orjson.JSONDecodeError, KeyError, TypeError) as exc:
        raise BundleError(f"{path}: manifest.json is not a bundle manifest ({exc})") from None
    for name in sorted(set(listed) | set(files)):
        if name not in files:
            raise BundleBreach(f"{name} is listed in the manifest but missing from the bundle")
        if name not in listed:
            raise BundleBreach(f"{name} is in the bundle but not in its manifest")
        if hashlib.sha256(files[name]).hexdigest() != listed[name]:
            raise BundleBreach(f"{name} does not match its SHA-256 in the manifest: it was changed")
    try:
        signed = checkpoint.check(checkpoint.read(files["checkpoint.json"], "checkpoint.json"), public_key)
    except checkpoint.ForgedCheckpoint as exc:
        raise BundleBreach(f"checkpoint.json: {exc}") from None
    if (signed.position, signed.head_hash) != (manifest["position"], manifest["head_hash"]):
        raise BundleBreach("the manifest's position and head hash are not the signed checkpoint's")
    mine = _events(files["events.jsonl"], plugins, province, period)
    head = _recompute_chain(mine, _jsonl(files["chain.jsonl"], "chain.jsonl"), signed.position)
    if head != signed.head_hash:
        raise BundleBreach(
            f"the recomputed chain ends in {head[:16]}…, the signed checkpoint says {signed.head_hash[:16]}…"
        )
    try:
        rules = plugins.ruleset(province, period)
    except RulesError as exc:
        raise BundleError(str(exc)) from None
    run = replay_events(mine, province, period)
    decider = Decider(plugins, province, rules, Replay(run.facts, signed.position, signed.head_hash))
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
    )


def _events(data: bytes, plugins: Plugins, province: str, period: str) -> list[Stored]:
    out = []
    objects, problems = parse_lines(data)  # exact decimals, as `thidua import` reads them
    if problems:
        raise BundleBreach(f"events.jsonl: {problems[0]}")
    for number, raw in objects:
        store_keys = {k: raw.pop(k, None) for k in ("position", "recorded_at", "hash")}
        candidate = normalise(number, raw, plugins)
        if isinstance(candidate, list):
            raise BundleBreach(f"events.jsonl line {number}: " + "; ".join(f"{p.key}: {p.reason}" for p in candidate))
        if (candidate.record["province"], candidate.record["period"]) != (province, period):
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
