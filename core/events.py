"""The event types of CONTRACT.md §1, one domain event class each, named after the business fact.

Every class pins its topic (`thidua:<type>`) so that moving or renaming a class never breaks
replay of a stored log. A stored event carries the contract record as normalised at import
(`record`, JSON-native, decimals as canonical strings) and its chain `hash`; its
`timestamp` is the library's *recording* time, while business time is `record["at"]`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from thidua.fields import (
    Authors,
    Bool,
    Choice,
    Count,
    Day,
    EventRef,
    Field,
    Ident,
    ListOf,
    MapOf,
    Moment,
    Number,
    Period,
    Points,
    Record,
    Text,
)

EVENT_TYPES: dict[str, type[LedgerEvent]] = {}

ENVELOPE_REQUIRED: dict[str, Field] = {"province": Ident(), "period": Period(), "at": Moment()}
ENVELOPE_OPTIONAL: dict[str, Field] = {"id": Ident(), "actor": Text(200), "ref": Text(500), "note": Text(5000)}
# Keys the store adds; `thidua log --format jsonl` prints them and `thidua import` accepts them back.
# `seal` (enforcing stores) is the signature of the batch a line ends: it travels with the export.
STORE_KEYS = ("position", "recorded_at", "hash", "seal")

UNIT_OR_PERSON = ("unit", "person")
DISCIPLINE_LEVELS = ("khien_trach", "canh_cao", "cach_chuc", "buoc_thoi_viec", "khai_tru")
INITIATIVE_SCOPES = ("grassroots", "district", "city", "national")


class LedgerEvent:
    """One fact of the log. Subclasses declare the keys of their type; they add no state.

    These are plain classes, so that reading the log needs no event library; the library's
    domain event classes, one per type with this pinned topic, are made where the library is
    used (`thidua.log.store.domain_events`)."""

    TYPE: ClassVar[str] = ""
    TOPIC: ClassVar[str] = ""  # set for every subclass: `thidua:<type>`, pinned
    REQUIRED: ClassVar[dict[str, Field]] = {}
    OPTIONAL: ClassVar[dict[str, Field]] = {}
    EITHER: ClassVar[tuple[str, ...]] = ()  # exactly one of these keys must be given
    SUBJECT: ClassVar[tuple[str, ...] | None] = None  # a later event with the same values supersedes
    REFERS: ClassVar[dict[str, str]] = {}  # key -> "unit" | "person" | "block": must be registered
    PROVINCE_WIDE: ClassVar[bool] = False  # about the whole province-period (every block sees it)

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.TOPIC = f"thidua:{cls.TYPE}"
        EVENT_TYPES[cls.TYPE] = cls

    @classmethod
    def fields(cls) -> dict[str, Field]:
        return {**ENVELOPE_REQUIRED, **ENVELOPE_OPTIONAL, **cls.REQUIRED, **cls.OPTIONAL}


class UnitRegistered(LedgerEvent):
    """A member organisation (đơn vị) is on the period's register."""

    TYPE = "unit.registered"
    REQUIRED = {"unit": Ident(), "name": Text(300)}
    OPTIONAL = {"has_party_org": Bool(), "has_union": Bool(), "workers": Count()}
    SUBJECT = ("unit",)


class PersonRegistered(LedgerEvent):
    """An individual (cá nhân) of a member unit."""

    TYPE = "person.registered"
    REQUIRED = {"person": Ident(), "name": Text(300), "unit": Ident()}
    OPTIONAL = {
        "category": Choice("technical_staff", "direct_worker", "civil_servant", "union_officer", "other"),
        "leader": Bool(),
        "key_leader": Bool(),
        "gender": Choice("female", "male", "other"),
        "ethnic_minority": Bool(),
    }
    SUBJECT = ("person",)
    REFERS = {"unit": "unit"}


class BlockFormed(LedgerEvent):
    """An emulation block (khối thi đua) for the period, with its head and deputy."""

    TYPE = "block.formed"
    REQUIRED = {"block": Ident(), "name": Text(300), "members": ListOf(Ident()), "head": Ident(), "deputy": Ident()}
    OPTIONAL = {"formed_on": Day()}
    SUBJECT = ("block",)
    REFERS = {"members": "unit", "head": "unit", "deputy": "unit"}


class BlockMemberAdded(LedgerEvent):
    """A unit joins a block."""

    TYPE = "block.member_added"
    REQUIRED = {"block": Ident(), "unit": Ident()}
    REFERS = {"block": "block", "unit": "unit"}


class BlockMemberRemoved(LedgerEvent):
    """A unit leaves a block."""

    TYPE = "block.member_removed"
    REQUIRED = {"block": Ident(), "unit": Ident()}
    REFERS = {"block": "block", "unit": "unit"}


class SheetDefined(LedgerEvent):
    """The scoring sheet (biểu chấm điểm) of a block, or of every block ("*")."""

    TYPE = "sheet.defined"
    REQUIRED = {
        "block": Ident(),
        "criteria": ListOf(
            Record({"id": Ident(), "max": Points()}, {"section": Ident(), "name": Text(500), "step": Points()})
        ),
    }
    OPTIONAL = {"sections": MapOf(Points())}
    SUBJECT = ("block",)
    REFERS = {"block": "block"}


class PledgeSigned(LedgerEvent):
    """A unit signs the block's pledge (ký giao ước thi đua)."""

    TYPE = "pledge.signed"
    REQUIRED = {"unit": Ident(), "block": Ident()}
    SUBJECT = ("unit", "block")
    REFERS = {"unit": "unit", "block": "block"}


class EmulationRegistered(LedgerEvent):
    """A unit or person registers titles and targets (đăng ký thi đua)."""

    TYPE = "emulation.registered"
    OPTIONAL = {
        "unit": Ident(),
        "person": Ident(),
        "titles": ListOf(Text(300), nonempty=False),
        "targets": MapOf(Number(), nonempty=False),
    }
    EITHER = UNIT_OR_PERSON
    SUBJECT = UNIT_OR_PERSON
    REFERS = {"unit": "unit", "person": "person"}


class ReportSubmitted(LedgerEvent):
    """A unit's mid-year (sơ kết) or year-end (tổng kết) report, or a block head's budget estimate (dự toán)."""

    TYPE = "report.submitted"
    REQUIRED = {"unit": Ident(), "kind": Choice("mid_year", "year_end", "budget_estimate")}
    SUBJECT = ("unit", "kind")
    REFERS = {"unit": "unit"}


class ScoreSelfAssessed(LedgerEvent):
    """A unit's own score on one criterion (tự chấm)."""

    TYPE = "score.self"
    REQUIRED = {"unit": Ident(), "criterion": Ident(), "points": Points()}
    SUBJECT = ("unit", "criterion")
    REFERS = {"unit": "unit"}


class ScoreAppraised(LedgerEvent):
    """The appraised (thẩm định) or cross-scored (chấm chéo) value of one criterion; `appraiser` is
    who appraised or cross-scored it (a unit of the block, or an office such as the board)."""

    TYPE = "score.appraised"
    REQUIRED = {"unit": Ident(), "criterion": Ident(), "points": Points()}
    OPTIONAL = {"appraiser": Ident()}
    SUBJECT = ("unit", "criterion")
    REFERS = {"unit": "unit"}


class ScoreProvincial(LedgerEvent):
    """A provincial scorer's points for a unit (Lai Châu's 50 points)."""

    TYPE = "score.provincial"
    REQUIRED = {
        "unit": Ident(),
        "scorer": Choice("thuong_truc", "ban_1", "ban_2", "ban_3", "ban_4", "ban_5"),
        "points": Points(),
    }
    SUBJECT = ("unit", "scorer")
    REFERS = {"unit": "unit"}


class TargetResultRecorded(LedgerEvent):
    """What a unit achieved against one registered target."""

    TYPE = "target.result"
    REQUIRED = {"unit": Ident(), "target": Ident(), "achieved": Number()}
    SUBJECT = ("unit", "target")
    REFERS = {"unit": "unit"}


class BonusAwarded(LedgerEvent):
    """Bonus points (điểm thưởng) for an exceeded target."""

    TYPE = "bonus.awarded"
    REQUIRED = {"unit": Ident(), "target": Ident(), "points": Points()}
    SUBJECT = ("unit", "target")
    REFERS = {"unit": "unit"}


class DeductionRecorded(LedgerEvent):
    """Grounds for deducted points (điểm trừ); the province computes the points. Each one counts."""

    TYPE = "deduction.recorded"
    REQUIRED = {"unit": Ident(), "reason": Choice("criticism_doc", "invalid_dossiers", "rule_lapse", "other")}
    OPTIONAL = {"count": Count(minimum=1), "points": Points()}
    REFERS = {"unit": "unit"}


class ViolationRecorded(LedgerEvent):
    """A serious violation (vi phạm nghiêm trọng) of a unit."""

    TYPE = "violation.recorded"
    REQUIRED = {"unit": Ident(), "severity": Choice("serious")}
    REFERS = {"unit": "unit"}


class DisciplineRecorded(LedgerEvent):
    """A disciplinary measure (kỷ luật) against a person. Each one counts."""

    TYPE = "discipline.recorded"
    REQUIRED = {"person": Ident(), "level": Choice(*DISCIPLINE_LEVELS)}
    REFERS = {"person": "person"}


class RatingRecorded(LedgerEvent):
    """A quality rating (xếp loại) of a unit or person, per year."""

    TYPE = "rating.recorded"
    REQUIRED = {"rating": Choice("excellent", "good", "complete", "incomplete")}
    OPTIONAL = {"unit": Ident(), "person": Ident(), "year": Count(minimum=1900)}
    EITHER = UNIT_OR_PERSON
    SUBJECT = ("unit", "person", "year")
    REFERS = {"unit": "unit", "person": "person"}


class InitiativeRecognized(LedgerEvent):
    """A recognised initiative (sáng kiến) with its authors and benefit."""

    TYPE = "initiative.recognized"
    PROVINCE_WIDE = True  # about persons by list, who may sit in any block
    REQUIRED = {
        "initiative": Ident(),
        "title": Text(1000),
        "authors": Authors(),
        "scope": Choice(*INITIATIVE_SCOPES),
        "applied": Bool(),
        "benefit_vnd": Count(),
        "recognized_on": Day(),
    }
    SUBJECT = ("initiative",)
    REFERS = {"authors": "person"}


class HonorReceived(LedgerEvent):
    """A prior award held by a unit or person."""

    TYPE = "honor.received"
    REQUIRED = {"honor": Ident()}
    OPTIONAL = {"unit": Ident(), "person": Ident(), "year": Count(minimum=1900)}
    EITHER = UNIT_OR_PERSON
    SUBJECT = ("unit", "person", "honor", "year")
    REFERS = {"unit": "unit", "person": "person"}


class TrainingContributed(LedgerEvent):
    """A person has trained and helped colleagues."""

    TYPE = "training.contributed"
    REQUIRED = {"person": Ident()}
    SUBJECT = ("person",)
    REFERS = {"person": "person"}


class DossierSubmitted(LedgerEvent):
    """An award dossier (hồ sơ đề nghị khen thưởng); `at` is when it arrived."""

    TYPE = "dossier.submitted"
    OPTIONAL = {
        "unit": Ident(),
        "person": Ident(),
        "award": Ident(),
        "level": Choice("city", "district"),
        "copies": Count(),
    }
    EITHER = UNIT_OR_PERSON
    SUBJECT = ("unit", "person", "award", "level")
    REFERS = {"unit": "unit", "person": "person"}


class ConferenceHeld(LedgerEvent):
    """A review conference (hội nghị sơ kết / tổng kết) of a block or unit: `absent` members did not
    attend, `wrong_people` members sent people other than those required; `notified_at` is when the
    head told the province of it."""

    TYPE = "conference.held"
    REQUIRED = {"kind": Choice("mid_year", "year_end", "grassroots", "district")}
    OPTIONAL = {
        "block": Ident(),
        "unit": Ident(),
        "delegates": Record({"models": Count(), "guests": Count()}),
        "absent": ListOf(Ident(), nonempty=False),
        "wrong_people": ListOf(Ident(), nonempty=False),
        "notified_at": Moment(),
    }
    EITHER = ("block", "unit")
    SUBJECT = ("block", "unit", "kind")
    REFERS = {"block": "block", "unit": "unit", "absent": "unit", "wrong_people": "unit"}


class CrossCheckPlanned(LedgerEvent):
    """A block's plan of cross-checking (kế hoạch kiểm tra chéo): for each member, the unit that checks
    and cross-scores it."""

    TYPE = "crosscheck.planned"
    REQUIRED = {"block": Ident(), "pairs": MapOf(Ident())}
    SUBJECT = ("block",)
    REFERS = {"block": "block"}


class ConferenceResolved(LedgerEvent):
    """The conference's decision naming a unit for an award; it overrides the computed proposal."""

    TYPE = "conference.resolved"
    REQUIRED = {"block": Ident(), "award": Ident(), "unit": Ident()}
    SUBJECT = ("block", "award", "unit")
    REFERS = {"block": "block", "unit": "unit"}


class SettingChanged(LedgerEvent):
    """A block (or every block, "*") changes a named setting of its province's rules."""

    TYPE = "setting.changed"
    REQUIRED = {"block": Ident(), "setting": Ident(), "value": Number(negative=True)}
    SUBJECT = ("block", "setting")
    REFERS = {"block": "block"}


class EventRetracted(LedgerEvent):
    """An earlier event stops counting; it stays in the log."""

    TYPE = "event.retracted"
    REQUIRED = {"target": EventRef(), "reason": Text(1000)}


class _AllOr(Field):
    """A scope value: "*" (every province, every period) or a value of the wrapped field."""

    def __init__(self, inner: Field):
        self.inner = inner
        self.expected = f'"*" or {inner.expected}'

    def parse(self, raw: Any) -> Any:
        return raw if raw == "*" else self.inner.parse(raw)


ROLES = ("admin", "board", "block_head", "unit", "auditor")


class ActorAppointed(LedgerEvent):
    """An administrator appoints an actor (a person or office holding an Ed25519 key) to a role,
    in one province (or "*"), from now on. Its `actor` names the appointee; who recorded it is
    the signer of its batch (CONTRACT.md §3 "Actors"). Appointments hold for every period."""

    TYPE = "actor.appointed"
    PROVINCE_WIDE = True
    REQUIRED = {
        "province": _AllOr(Ident()),
        "period": _AllOr(Period()),
        "actor": Ident(),
        "name": Text(300),
        "role": Choice(*ROLES),
        "public_key": Text(1000),
    }
    OPTIONAL = {"block": Ident(), "unit": Ident()}
    SUBJECT = ("actor",)


class ActorRevoked(LedgerEvent):
    """The actor records nothing more; its earlier events keep their signatures."""

    TYPE = "actor.revoked"
    PROVINCE_WIDE = True
    REQUIRED = {"province": _AllOr(Ident()), "period": _AllOr(Period()), "actor": Ident()}
    OPTIONAL = {"reason": Text(1000)}
    SUBJECT = ("actor",)


ACTOR_TYPES = (ActorAppointed.TYPE, ActorRevoked.TYPE)


def subject_key(event_type: str, record: dict[str, Any], position: int) -> tuple:
    """What a later event supersedes: the same type and the same subject values."""
    cls = EVENT_TYPES[event_type]
    if cls.SUBJECT is None:
        return (event_type, position)
    return (event_type,) + tuple(record.get(k) for k in cls.SUBJECT)


@dataclass(frozen=True)
class About:
    """What one event is about: its block, unit and person (its subject), every unit and person it
    names (a block's members, head and deputy; a person's unit; an initiative's authors), or the
    whole province-period. A retraction is about its target: callers pass the target's `About`."""

    block: str | None = None
    unit: str | None = None
    person: str | None = None
    units: frozenset[str] = frozenset()
    persons: frozenset[str] = frozenset()
    province_wide: bool = False

    def names(self) -> set[str]:
        """Every block, unit and person named."""
        return {n for n in (self.block, self.unit, self.person) if n} | self.units | self.persons


EVERYWHERE = About(province_wide=True)


def about(event_type: str, record: dict[str, Any]) -> About:
    """What an event is about, read from its class's own declarations (`SUBJECT`, `REFERS`,
    `PROVINCE_WIDE`): the one answer for the index, `diff`, `log --subject` and `explain`."""
    spec = _ABOUT.get(event_type)
    if spec is None:
        spec = _ABOUT[event_type] = _about_spec(EVENT_TYPES[event_type])
    own_names, references, always_wide = spec
    own = {name: (value if isinstance(value := record.get(name), str) else None) for name in own_names}
    units: set[str] = set()
    persons: set[str] = set()
    for key, kind in references:
        value = record.get(key)
        values = [value] if isinstance(value, str) else list(value or ())  # a list, or {person: share}
        (units if kind == "unit" else persons).update(v for v in values if isinstance(v, str))
    unit, person = own.get("unit"), own.get("person")
    if unit:
        units.add(unit)
    if person:
        persons.add(person)
    wide = always_wide or record.get("block") == "*"
    return About(own.get("block"), unit, person, frozenset(units), frozenset(persons), wide)


def _about_spec(cls: type[LedgerEvent]) -> tuple[tuple[str, ...], tuple[tuple[str, str], ...], bool]:
    """Per type, once: which of block/unit/person are its own, which keys name units or persons."""
    keys = set(cls.REFERS) | set(cls.SUBJECT or ())
    own = tuple(name for name in ("block", "unit", "person") if name in keys)
    references = tuple((key, kind) for key, kind in cls.REFERS.items() if kind in ("unit", "person"))
    return own, references, bool(cls.PROVINCE_WIDE)


_ABOUT: dict[str, tuple[tuple[str, ...], tuple[tuple[str, str], ...], bool]] = {}
