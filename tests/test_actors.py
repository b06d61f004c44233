"""Actors (issue 17, CONTRACT.md §3): an enforcing store takes signed writes from appointed actors
only, each within the rights its province's permissions give its role; the five attacks of the
issue are refused to everyone but the role the regulation names; `verify` catches forged or
altered signatures, revoked signers and out-of-scope events even after direct database edits;
`--as-of` replays who could do what; a bundle of an enforcing store verifies offline."""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from thidua.clock import LOCAL

from conftest import Thidua, ev, jsonl, on_both

ACTORS = {
    # actor: (role, extra keys of its appointment)
    "BOARD": ("board", {"province": "laichau"}),
    "A_OFFICER": ("unit", {"province": "laichau", "unit": "A"}),
    "B_OFFICER": ("unit", {"province": "laichau", "unit": "B"}),
    "HEAD_K": ("block_head", {"province": "laichau", "block": "K"}),
    "AUDITOR": ("auditor", {"province": "*"}),
}


class Clock:
    """The store's clock, set by the test: 'now' is a moment of 2020 (a unit records as sent)."""

    def __init__(self) -> None:
        self.moment = datetime(2020, 1, 2, 9, 0, tzinfo=LOCAL)

    def set(self, text: str) -> None:
        self.moment = datetime.fromisoformat(text).replace(tzinfo=LOCAL)

    def __call__(self) -> datetime:
        self.moment += timedelta(milliseconds=1)
        return self.moment


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    fake = Clock()
    for module in ("thidua.clock", "thidua.log.store", "thidua.actors.gate"):
        monkeypatch.setattr(f"{module}.now", fake)
    return fake


class Office:
    """An enforcing store with its actors' keys; `as_(actor, events)` imports as that actor."""

    def __init__(self, thidua: Thidua, folder: Path, clock: Clock):
        self.thidua, self.folder, self.clock = thidua, folder, clock

    def key(self, actor: str) -> Path:
        path = self.folder / f"{actor.lower()}.key"
        if not path.exists():
            assert self.thidua("keygen", str(path)).code == 0
        return path

    def as_(self, actor: str, events: list[dict[str, Any]], at: str | None = None):
        if at:
            self.clock.set(at)
        return self.thidua("import", "-", "--as", actor, "--key", str(self.key(actor)), input=jsonl(events))

    def head(self) -> int:
        return int(self.thidua("verify").out.split(" events")[0].split()[-1])

    def appoint(self, actor: str, role: str, **keys: Any) -> dict[str, Any]:
        public = (self.folder / f"{actor.lower()}.key.pub").read_text() if self.key(actor) else ""
        keys.setdefault("province", "laichau")
        return ev(
            "actor.appointed", "2020-01-02", period="*", actor=actor, name=actor, role=role, public_key=public, **keys
        )


@pytest.fixture
def office(thidua: Thidua, tmp_path: Path, clock: Clock) -> Office:
    office = Office(thidua, tmp_path, clock)
    admin = office.key("ADMIN")
    result = thidua("init", "--admin", "ADMIN", "--pubkey", f"{admin}.pub")
    assert result.code == 0, result.err
    appointments = [office.appoint(actor, role, **keys) for actor, (role, keys) in ACTORS.items()]
    assert office.as_("ADMIN", appointments).code == 0
    units = ["A", "B", "C"]
    register = [ev("unit.registered", "2020-01-05", unit=u, name=f"Đơn vị {u}") for u in units]
    register.append(ev("block.formed", "2020-01-10", block="K", name="Khối", members=units, head="A", deputy="B"))
    register.append(
        ev("sheet.defined", "2020-01-10", block="*", criteria=[{"id": "C1", "max": 75}, {"id": "C2", "max": 75}])
    )
    register.append(ev("person.registered", "2020-01-10", person="P_B", name="Lãnh đạo B", unit="B", key_leader=True))
    result = office.as_("ADMIN", register, at="2020-01-10T09:00")
    assert result.code == 0, result.err
    for unit, points in (("A", 120), ("B", 110), ("C", 100)):
        officer = f"{unit}_OFFICER"
        if unit == "C":
            continue  # C has no officer of its own in this office: the tests use A and B
        own = [
            ev("emulation.registered", "2020-02-01T10:00", unit=unit, id=f"{officer}/reg"),
            ev("pledge.signed", "2020-02-01T10:00", unit=unit, block="K"),
        ]
        assert office.as_(officer, own, at="2020-02-01T10:00").code == 0
        reports = [ev("report.submitted", "2020-06-15T10:00", unit=unit, kind="mid_year")]
        assert office.as_(officer, reports, at="2020-06-15T10:00").code == 0
        reports = [ev("report.submitted", "2020-11-30T10:00", unit=unit, kind="year_end")]
        assert office.as_(officer, reports, at="2020-11-30T10:00").code == 0
        scores = [
            ev("score.self", "2020-12-01T10:00", unit=unit, criterion="C1", points=75, id=f"{officer}/c1"),
            ev("score.self", "2020-12-01T10:00", unit=unit, criterion="C2", points=points - 75),
        ]
        assert office.as_(officer, scores, at="2020-12-01T10:00").code == 0
    provincial = [ev("score.provincial", "2020-12-05", unit=u, scorer="thuong_truc", points=8) for u in units]
    assert office.as_("BOARD", provincial, at="2020-12-05T10:00").code == 0
    return office


def refused(result, *fragments: str) -> None:
    assert result.code == 1, result.out + result.err
    for fragment in fragments:
        assert fragment in result.err, result.err
    assert "nothing was appended" in result.err


@on_both
def test_an_enforcing_store_verifies_and_says_so_in_every_document(office: Office) -> None:
    verified = office.thidua("verify")
    assert verified.code == 0, verified.err
    assert "enforcing store" in verified.out and "ADMIN (ed25519:" in verified.out
    standings = office.thidua.standings()
    assert standings["store"] == "enforcing"
    ranked = {u["unit"]: u for u in standings["blocks"][0]["units"]}
    assert ranked["A"]["rank"] == 1 and ranked["A"]["total"] == 128
    explained = office.thidua.explain("A")
    recorded_by = {e["type"]: e["actor"] for e in explained["events"]}
    assert recorded_by["score.self"] == "A_OFFICER" and recorded_by["score.provincial"] == "BOARD"
    assert explained["store"] == "enforcing"


@on_both
def test_a_unit_cannot_resolve_a_conference_only_the_board_can(office: Office) -> None:
    line = ev("conference.resolved", "2020-12-19", block="K", award="co_thi_dua_tld", unit="B", actor="B_OFFICER")
    before = office.head()
    refused(
        office.as_("B_OFFICER", [line], at="2020-12-19T10:00"),
        "LINE 1: type:",
        "B_OFFICER (unit, unit B of laichau)",
        "LC-AWARD-2 gives it to the provincial board",
    )
    assert office.head() == before
    forged = {**line, "actor": "Chủ tịch LĐLĐ tỉnh"}
    refused(office.as_("B_OFFICER", [forged]), "LINE 1: actor:", "signed by B_OFFICER")
    del line["actor"]
    assert office.as_("BOARD", [line]).code == 0
    assert office.thidua.units()["B"]["award_status"] == "resolved"


@on_both
def test_a_unit_cannot_retract_a_discipline_that_excludes_it_only_the_board_can(office: Office) -> None:
    discipline = ev("discipline.recorded", "2020-10-01", person="P_B", level="canh_cao", id="BOARD/kl-1")
    assert office.as_("BOARD", [discipline], at="2020-10-01T10:00").code == 0
    assert office.thidua.units()["B"]["reasons"] == ["LC-ELIG-1"]
    retraction = ev("event.retracted", "2020-12-10", target="BOARD/kl-1", reason="nhầm")
    refused(
        office.as_("B_OFFICER", [retraction], at="2020-12-10T10:00"),
        "LINE 1: target:",
        "B_OFFICER (unit, unit B of laichau) may not retract position",
        "LC-ELIG-1 gives it to the provincial board",
    )
    assert office.thidua.units()["B"]["reasons"] == ["LC-ELIG-1"]
    assert office.as_("BOARD", [retraction]).code == 0
    assert office.thidua.units()["B"]["reasons"] == []


def test_a_unit_cannot_back_date_its_dossier_the_board_records_its_arrival(office: Office) -> None:
    late = ev("dossier.submitted", "2020-12-15T08:00", unit="A", award="co_thi_dua_tld")
    refused(
        office.as_("A_OFFICER", [late], at="2020-12-21T10:00"),
        "LINE 1: at:",
        "A_OFFICER (unit, unit A of laichau) records dossier.submitted as sent",
        "(LC-TIME-4)",
    )
    assert office.as_("A_OFFICER", [{**late, "at": "2020-12-21T10:00"}]).code == 0
    assert office.as_("BOARD", [late]).code == 0  # as received: the board knows when it arrived


def test_ids_are_namespaced_per_actor_so_nobody_takes_another_office_s_ids(office: Office) -> None:
    taken = ev("score.self", "2020-12-20T10:00", unit="A", criterion="C1", points=70, id="B_OFFICER/c2")
    refused(office.as_("A_OFFICER", [taken], at="2020-12-20T10:00"), "LINE 1: id:", "in B_OFFICER's namespace")
    refused(office.as_("A_OFFICER", [{**taken, "id": "c2"}]), "LINE 1: id:", "ids begin with 'A_OFFICER/'")
    mine = ev("score.self", "2020-12-20T10:00", unit="B", criterion="C1", points=70, id="B_OFFICER/c2")
    assert office.as_("B_OFFICER", [mine]).code == 0


def test_a_board_cannot_write_into_another_province(office: Office) -> None:
    line = ev("score.provincial", "2021-12-05", province="laocai", period="2021", unit="A", scorer="ban_1", points=5)
    refused(office.as_("BOARD", [line]), "LINE 1: province:", "BOARD (board, laichau) records events of laichau only")


def test_each_role_records_only_what_its_rule_gives_it(office: Office) -> None:
    appraisal = ev("score.appraised", "2020-12-08", unit="C", criterion="C1", points=70)
    refused(
        office.as_("A_OFFICER", [appraisal], at="2020-12-08T10:00"), "LC-ORG-1 gives it to the block head and deputy"
    )
    assert office.as_("HEAD_K", [appraisal]).code == 0
    own_only = ev("score.self", "2020-12-08", unit="B", criterion="C1", points=70)
    refused(office.as_("A_OFFICER", [own_only]), "LINE 1: unit:", "its own unit only", "(LC-SCORE-1)")
    refused(
        office.as_("HEAD_K", [ev("score.provincial", "2020-12-08", unit="C", scorer="ban_1", points=5)]),
        "LC-SCORE-2 gives it to the provincial board",
    )
    refused(office.as_("AUDITOR", [appraisal]), "reads and checkpoints only")
    refused(office.as_("BOARD", [office.appoint("EVE", "board")]), "appointments are the administrator's")


def test_the_writer_must_hold_the_actor_s_key_and_an_enforcing_store_needs_one(office: Office) -> None:
    line = [ev("score.self", "2020-12-08", unit="A", criterion="C1", points=70)]
    wrong = office.thidua("import", "-", "--as", "A_OFFICER", "--key", str(office.key("B_OFFICER")), input=jsonl(line))
    refused(wrong, "LINE 0: --key: the key given is ed25519:")
    anonymous = office.thidua("import", "-", input=jsonl(line))
    assert anonymous.code == 2 and "this store is enforcing" in anonymous.err
    assert office.thidua("demo").code == 2


def test_an_open_store_stays_open_and_says_so(thidua: Thidua, tmp_path: Path) -> None:
    thidua.load([ev("unit.registered", "2020-01-05", unit="A", name="A")])
    assert thidua.standings()["store"] == "open"
    appointment = ev(
        "actor.appointed", "2020-01-02", province="*", period="*", actor="X", name="X", role="admin", public_key="AAAA"
    )
    result = thidua("import", "-", input=jsonl([appointment]))
    assert result.code == 1 and "this store is open" in result.err
    assert thidua("keygen", str(tmp_path / "x.key")).code == 0
    result = thidua("import", "-", "--as", "X", "--key", str(tmp_path / "x.key"), input=jsonl([]))
    assert result.code == 2 and "this store is open" in result.err
    environment = {"THIDUA_ACTOR": "X", "THIDUA_KEY": str(tmp_path / "x.key")}  # set for a remote store: ignored
    with pytest.MonkeyPatch.context() as patch:
        for name, value in environment.items():
            patch.setenv(name, value)
        line = [ev("unit.registered", "2020-01-05", unit="B", name="B")]
        assert thidua("import", "-", input=jsonl(line)).code == 0
    assert thidua("init", "--admin", "X", "--pubkey", str(tmp_path / "x.key.pub")).code == 2


# -- verify: what someone who edits the database directly cannot hide ------------------------------


def sql(db: Path, statement: str, *params: Any) -> list:
    with sqlite3.connect(db) as connection:
        return connection.execute(statement, params).fetchall()


def forge(office: Office, actor: str, events: list[dict[str, Any]], sealed: bool = True) -> int:
    """Append straight to the database, chain and all, signed with `actor`'s key (which the
    attacker holds): no import check runs. Returns the first position written."""
    from thidua.actors import keys, seal
    from thidua.intake.importer import normalise
    from thidua.log.store import Store
    from thidua.registry import load_plugins

    plugins, store = load_plugins(), Store(str(office.thidua.db))
    items = []
    for number, raw in enumerate(events, start=1):
        candidate = normalise(number, {**raw, "actor": actor}, plugins)
        assert not isinstance(candidate, list), candidate
        items.append((candidate.type, candidate.record))
    key = keys.load_private(office.key(actor))
    head = store.head()
    store.append(items, head, seal=(lambda entries: seal.make(actor, key, entries)) if sealed else None)
    store.close()
    return head[0] + 1


def rehash_from(db: Path, position: int, edit) -> None:
    """Edit the record at `position` and recompute every later hash, as an attacker with the file can."""
    from thidua.log import chain
    from thidua.log.chain import GENESIS

    previous = sql(db, "SELECT state FROM stored_events WHERE rowid = ?", position - 1)
    previous_hash = json.loads(previous[0][0])["hash"] if previous else GENESIS
    for rowid, topic, state in sql(
        db, "SELECT rowid, topic, state FROM stored_events WHERE rowid >= ? ORDER BY rowid", position
    ):
        data = json.loads(state)
        if rowid == position:
            edit(data)
        data["hash"] = chain.link(previous_hash, rowid, topic[7:], data["timestamp"]["_data_"], data["record"])
        previous_hash = data["hash"]
        sql(
            db,
            "UPDATE stored_events SET state = ? WHERE rowid = ?",
            json.dumps(data, ensure_ascii=False).encode(),
            rowid,
        )


def breach(office: Office, position: int, *fragments: str) -> None:
    result = office.thidua("verify")
    assert result.code == 3, result.out + result.err
    assert f"integrity failure at position {position}:" in result.err, result.err
    for fragment in fragments:
        assert fragment in result.err, result.err


def last_seal(db: Path) -> tuple[int, dict[str, Any]]:
    rowid, state = sql(
        db,
        "SELECT rowid, state FROM stored_events WHERE CAST(state AS TEXT) LIKE '%\"seal\"%' ORDER BY rowid DESC LIMIT 1",
    )[0]
    return rowid, json.loads(state)


def test_verify_catches_a_forged_signature(office: Office) -> None:
    rowid, data = last_seal(office.thidua.db)
    signature = bytearray(data["seal"]["signature"].encode())
    signature[5] = ord("A") if signature[5] != ord("A") else ord("B")
    data["seal"]["signature"] = signature.decode()
    sql(office.thidua.db, "UPDATE stored_events SET state = ? WHERE rowid = ?", json.dumps(data).encode(), rowid)
    breach(office, data["seal"]["first"], "does not verify with BOARD's key")


def test_verify_catches_an_altered_event_even_re_hashed(office: Office) -> None:
    target = sql(office.thidua.db, "SELECT rowid FROM stored_events WHERE CAST(state AS TEXT) LIKE '%A_OFFICER/c1%'")[
        0
    ][0]

    def raise_points(data: dict[str, Any]) -> None:
        data["record"]["points"] = "75" if data["record"]["points"] != "75" else "74"

    rehash_from(office.thidua.db, target, raise_points)
    breach(office, target, "does not verify with A_OFFICER's key")


def test_verify_pins_the_first_administrator_s_key(office: Office, tmp_path: Path) -> None:
    admin = f"{office.key('ADMIN')}.pub"
    assert office.thidua("verify", "--admin-pubkey", admin).code == 0
    other = Thidua(tmp_path / "other.sqlite")  # a store whose trust anchor is someone else's key
    assert other("init", "--admin", "ADMIN", "--pubkey", f"{office.key('MALLORY')}.pub").code == 0
    result = other("verify", "--admin-pubkey", admin)
    assert result.code == 3, result.err
    assert "integrity failure at position 1: it appoints ADMIN (ed25519:" in result.err


def test_verify_catches_events_nobody_signed(office: Office) -> None:
    position = forge(
        office, "A_OFFICER", [ev("score.self", "2020-12-08", unit="A", criterion="C1", points=10)], sealed=False
    )
    breach(office, position, "signed by nobody")


@on_both
def test_verify_catches_an_actor_outside_its_rights_written_straight_into_the_database(office: Office) -> None:
    line = ev("conference.resolved", "2020-12-19", block="K", award="co_thi_dua_tld", unit="A")
    position = forge(office, "A_OFFICER", [line])
    breach(office, position, "outside the signer's rights", "LC-AWARD-2 gives it to the provincial board")


@on_both
def test_a_revoked_actor_records_nothing_more_but_its_earlier_events_stand(office: Office) -> None:
    before = office.head()
    before_units = office.thidua.units()
    revocation = ev("actor.revoked", "2020-12-12", province="laichau", period="*", actor="A_OFFICER", reason="nghỉ hưu")
    assert office.as_("ADMIN", [revocation], at="2020-12-12T10:00").code == 0
    line = [ev("score.self", "2020-12-13T10:00", unit="A", criterion="C2", points=75)]
    refused(office.as_("A_OFFICER", line, at="2020-12-13T10:00"), "LINE 0: --as:", "revoked at position")
    assert office.thidua("verify").code == 0  # the earlier, signed events of A stay valid
    assert office.thidua.units() == before_units
    assert office.thidua.units("--as-of", f"@{before}") == before_units
    roster = {
        a["actor"]: a
        for a in json.loads(office.thidua("actors", "--format", "json", "--as-of", f"@{before}").out)["actors"]
    }
    assert roster["A_OFFICER"]["revoked"] is None and roster["A_OFFICER"]["role"] == "unit"
    roster = {a["actor"]: a for a in json.loads(office.thidua("actors", "--format", "json").out)["actors"]}
    assert roster["A_OFFICER"]["revoked"] == before + 1
    position = forge(office, "A_OFFICER", line)  # the revoked key, straight into the database
    breach(office, position, "signed by A_OFFICER, revoked at position")


def test_a_bundle_of_an_enforcing_store_verifies_its_signatures_offline(office: Office, tmp_path: Path) -> None:
    import zipfile

    bundle = tmp_path / "laichau-2020.zip"
    made = office.thidua(
        "bundle", "--province", "laichau", "--period", "2020", "--key", str(office.key("ADMIN")), str(bundle)
    )
    assert made.code == 0, made.err
    offline = Thidua(tmp_path / "nowhere.sqlite")
    result = offline("verify", "--bundle", str(bundle), "--pubkey", str(office.key("ADMIN")) + ".pub")
    assert result.code == 0, result.err
    with zipfile.ZipFile(bundle) as archive:
        files = {name: archive.read(name) for name in archive.namelist()}
    assert json.loads(files["standings.json"])["store"] == "enforcing"
    lines = files["seals.jsonl"].decode().splitlines()
    forged = json.loads(lines[-1])
    forged["seal"]["signer"] = "A_OFFICER"
    files["seals.jsonl"] = ("\n".join([*lines[:-1], json.dumps(forged)]) + "\n").encode()
    manifest = json.loads(files["manifest.json"])
    import hashlib

    manifest["files"]["seals.jsonl"] = hashlib.sha256(files["seals.jsonl"]).hexdigest()
    files["manifest.json"] = json.dumps(manifest).encode()
    tampered = tmp_path / "tampered.zip"
    with zipfile.ZipFile(tampered, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    result = offline("verify", "--bundle", str(tampered))
    assert result.code == 3 and "signatures: position" in result.err, result.err


def test_lao_cai_section_iii_is_the_board_s_to_appraise_sections_i_and_ii_the_block_s(office: Office) -> None:
    def lca(event_type: str, at: str = "2021-01-05", **keys: Any) -> dict[str, Any]:
        return ev(event_type, at, province="laocai", period="2021", **keys)

    appointments = [
        office.appoint("LCA_BOARD", "board", province="laocai"),
        office.appoint("LCA_HEAD", "block_head", province="laocai", block="K"),
    ]
    assert office.as_("ADMIN", appointments, at="2021-01-05T09:00").code == 0
    register = [lca("unit.registered", unit=u, name=f"Sở {u}") for u in ("A", "B")]
    register.append(lca("block.formed", block="K", name="Khối", members=["A", "B"], head="A", deputy="B"))
    criteria = [{"id": s, "section": s, "max": m} for s, m in (("I", 50), ("II", 25), ("III", 20))]
    register.append(lca("sheet.defined", block="K", sections={"I": 50, "II": 25, "III": 20}, criteria=criteria))
    assert office.as_("ADMIN", register).code == 0
    section_iii = lca("score.appraised", "2021-12-14", unit="A", criterion="III", points=15)
    refused(
        office.as_("LCA_HEAD", [section_iii], at="2021-12-14T10:00"),
        "LINE 1: criterion:",
        "LCA_HEAD (block_head, block K of laocai) records score.appraised for section(s) I, II only",
        "LCA-SCORE-3 gives it to the provincial board",
    )
    assert office.as_("LCA_BOARD", [section_iii]).code == 0
    section_i = lca("score.appraised", "2021-12-14", unit="A", criterion="I", points=45)
    refused(office.as_("LCA_BOARD", [section_i]), "records score.appraised for section(s) III only")
    assert office.as_("LCA_HEAD", [section_i]).code == 0
    assert office.thidua("verify").code == 0


def test_an_export_carries_the_signatures_and_imports_again_as_a_no_op(office: Office, tmp_path: Path) -> None:
    exported = office.thidua("log", "--format", "jsonl")
    lines = [json.loads(line) for line in exported.out.splitlines()]
    sealed = [line for line in lines if "seal" in line]
    assert len(sealed) == 11 and {line["seal"]["signer"] for line in sealed} == {
        "ADMIN",
        "A_OFFICER",
        "B_OFFICER",
        "BOARD",
    }
    again = office.thidua("import", "-", "--as", "BOARD", "--key", str(office.key("BOARD")), input=exported.out)
    assert again.code == 0 and again.out.startswith(f"appended 0, skipped {len(lines)}"), again.err
    assert office.thidua("rebuild").code == 0  # appointments (period "*") are indexed, decided by nobody


def test_a_block_head_acts_for_its_own_block_only(office: Office) -> None:
    more = [ev("unit.registered", "2020-01-05", unit=u, name=f"Đơn vị {u}") for u in ("D", "E")]
    more.append(ev("block.formed", "2020-01-10", block="K2", name="Khối 2", members=["D", "E"], head="D", deputy="E"))
    assert office.as_("ADMIN", more, at="2020-01-10T10:00").code == 0
    appraisal = ev("score.appraised", "2020-12-08", unit="D", criterion="C1", points=70)
    refused(
        office.as_("HEAD_K", [appraisal], at="2020-12-08T10:00"),
        "LINE 1: unit:",
        "HEAD_K (block_head, block K of laichau) acts for its own block only; D is not a member of K (LC-ORG-1)",
    )
    conference = ev("conference.held", "2020-12-18", block="K2", kind="year_end")
    refused(office.as_("HEAD_K", [conference]), "LINE 1: block:", "not block K2 (LC-ORG-1)")
    assert office.as_("HEAD_K", [{**conference, "block": "K"}]).code == 0


def test_the_writer_may_come_from_the_environment(office: Office, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("THIDUA_ACTOR", "BOARD")
    monkeypatch.setenv("THIDUA_KEY", str(office.key("BOARD")))
    line = [ev("rating.recorded", "2020-12-15", unit="A", rating="excellent")]
    result = office.thidua("import", "-", input=jsonl(line))
    assert result.code == 0, result.err
    assert json.loads(office.thidua("log", "--format", "jsonl").out.splitlines()[-1])["actor"] == "BOARD"


def test_verify_catches_an_appointment_not_made_by_an_administrator(office: Office) -> None:
    position = forge(office, "BOARD", [office.appoint("BOARD", "admin", province="*")])
    breach(office, position, "outside the signer's rights", "appointments are the administrator's")


def test_the_roster_answers_the_service_s_key_lookup(office: Office) -> None:
    from thidua.actors.gate import RosterKeys
    from thidua.log.store import Store
    from thidua.registry import load_plugins

    store = Store(str(office.thidua.db))
    lookup = RosterKeys(store, load_plugins())
    raw = keys_of(office, "BOARD")
    assert lookup.who("BOARD") is not None and lookup.who("BOARD").public_bytes_raw() == raw
    assert lookup.who("NOBODY") is None
    revocation = ev("actor.revoked", "2020-12-12", province="laichau", period="*", actor="BOARD")
    assert office.as_("ADMIN", [revocation]).code == 0
    assert lookup.who("BOARD") is None
    store.close()


def keys_of(office: Office, actor: str) -> bytes:
    from thidua.actors import keys

    return keys.public_file(Path(f"{office.key(actor)}.pub"))


def test_the_service_takes_sealed_batches_from_actors_and_refuses_what_they_may_not_record(office: Office) -> None:
    from click.testing import CliRunner
    from serving import in_thread

    from thidua.cli.main import cli

    def remote(url: str, *args: str, input: str = "") -> tuple[int, str, str]:
        result = CliRunner().invoke(cli, ["--db", url, *args], input=input, catch_exceptions=False)
        return result.exit_code, result.stdout, result.stderr

    resolution = ev("conference.resolved", "2020-12-19", block="K", award="co_thi_dua_tld", unit="B")
    office.clock.set("2020-12-19T10:00")
    with in_thread(office.thidua.db) as url:
        anonymous = remote(url, "import", "-", input=jsonl([resolution]))
        assert anonymous[0] == 1 and "not authenticated" in anonymous[2]
        as_unit = ("import", "-", "--as", "B_OFFICER", "--key", str(office.key("B_OFFICER")))
        code, _, err = remote(url, *as_unit, input=jsonl([resolution]))
        assert code == 1 and "LINE 1: type:" in err and "LC-AWARD-2 gives it to the provincial board" in err
        as_board = ("import", "-", "--as", "BOARD", "--key", str(office.key("BOARD")))
        assert remote(url, *as_board, input=jsonl([resolution]))[:2] == (0, "appended 1, skipped 0 (already stored)\n")
        again = remote(url, *as_board, input=jsonl([resolution]))
        assert again[0] == 0, again
        board = {"THIDUA_ACTOR": "BOARD", "THIDUA_KEY": str(office.key("BOARD"))}
        verified = CliRunner().invoke(cli, ["--db", url, "verify"], env=board, catch_exceptions=False)
        assert verified.exit_code == 0 and "ok: enforcing store:" in verified.stdout, verified.stderr
    local = office.thidua("verify")
    assert local.code == 0 and "signed batch(es)" in local.out
    assert office.thidua.units()["B"]["award_status"] == "resolved"
