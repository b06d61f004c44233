"""Synthetic province-years in the public event format, for the benchmark.

A province-year here looks like Lai Châu's real one, scaled up: blocks of 10 unions, each union
registering, signing the pledge, reporting twice and scoring six criteria, the province scoring
it six times; the block holds two conferences and its head sends a dossier. About 17 events per
union: a province of ~2,900 unions is 50,000 events. Bigger logs are more province-years (Lai
Châu, Lào Cai-style periods of the same plugin: later years), as a national log would be.
"""

from __future__ import annotations

import random
from collections.abc import Iterator

import orjson

CRITERIA = [("C1", 25), ("C2", 30), ("C3", 30), ("C4", 15), ("C5", 25), ("C6", 25)]
SCORERS = [("thuong_truc", 10), ("ban_1", 8), ("ban_2", 8), ("ban_3", 8), ("ban_4", 8), ("ban_5", 8)]
PER_PROVINCE_YEAR = 50_000
BLOCK = 10


def per_unit(scores: int = len(CRITERIA)) -> int:
    """Events about one union: registration, emulation, pledge, 2 reports, `scores` self-scores
    and `scores` provincial scores (17 with all six criteria)."""
    return 5 + 2 * scores


def units_for(events: int, block: int = BLOCK, scores: int = len(CRITERIA)) -> int:
    """Per block: its unions' events + block.formed, 2 conferences, 1 dossier."""
    return max(block * 2, (events - 1) // (per_unit(scores) * block + 4) * block)


def size_of(blocks: int, block: int = BLOCK, scores: int = len(CRITERIA)) -> int:
    """The events of a province-year of `blocks` blocks of `block` unions (no corrections)."""
    return 1 + blocks * (per_unit(scores) * block + 4)


def members(year: int, number: int, block: int = BLOCK) -> list[str]:
    """The unions of block number `number` (`K0000` is 0) of a generated year."""
    return [f"U{year}_{i:05d}" for i in range(number * block, (number + 1) * block)]


def province_year(
    year: int, events: int, rng: random.Random, block: int = BLOCK, scores: int = len(CRITERIA), units: int = 0
) -> Iterator[dict]:
    """A province-year of `events` events (at least: `units` unions, if given, may need more) in
    blocks of `block` unions, each scoring `scores` of the six criteria."""

    def ev(event_type: str, at: str, **keys) -> dict:
        return {"type": event_type, "province": "laichau", "period": str(year), "at": f"{year}-{at}", **keys}

    units = units or units_for(events, block, scores)
    names = [f"U{year}_{i:05d}" for i in range(units)]
    criteria, scorers = CRITERIA[:scores], SCORERS[:scores]
    produced = 0
    for unit in names:
        yield ev("unit.registered", "01-05", unit=unit, name=f"Công đoàn cơ sở số {unit[6:]}")
    produced += units
    yield ev("sheet.defined", "01-15", block="*", criteria=[{"id": c, "max": m} for c, m in criteria])
    produced += 1
    blocks = [names[i : i + block] for i in range(0, units, block)]
    for number, members in enumerate(blocks):
        yield ev(
            "block.formed",
            "01-10",
            block=f"K{number:04d}",
            name=f"Khối thi đua số {number + 1}",
            members=members,
            head=members[0],
            deputy=members[1],
        )
        produced += 1
    for number, members in enumerate(blocks):
        block = f"K{number:04d}"
        for unit in members:
            yield ev("emulation.registered", "02-01", unit=unit)
            yield ev("pledge.signed", "02-01", unit=unit, block=block)
            yield ev("report.submitted", "06-15", unit=unit, kind="mid_year")
            yield ev("report.submitted", "11-30", unit=unit, kind="year_end")
            for criterion, cap in criteria:
                yield ev(
                    "score.self", "12-01", unit=unit, criterion=criterion, points=rng.randrange(cap, 2 * cap + 1) / 2
                )
            for scorer, cap in scorers:
                yield ev(
                    "score.provincial", "12-05", unit=unit, scorer=scorer, points=rng.randrange(cap, 2 * cap + 1) / 2
                )
            produced += per_unit(scores) - 1
        yield ev("conference.held", "06-20", block=block, kind="mid_year")
        yield ev("conference.held", "12-15", block=block, kind="year_end")
        yield ev("dossier.submitted", "12-18", unit=members[0], award="co_thi_dua_tld", copies=3)
        produced += 3
    # Top up with corrections (re-entered self-scores supersede the first ones) to the exact size.
    while produced < events:
        unit = rng.choice(names)
        criterion, cap = rng.choice(criteria)
        yield ev(
            "score.self",
            "12-03",
            unit=unit,
            criterion=criterion,
            points=rng.randrange(cap, 2 * cap + 1) / 2,
            note="Sửa lại theo biên bản kiểm tra chéo",
        )
        produced += 1


def one_year(path: str, events: int, block: int = BLOCK, scores: int = len(CRITERIA), units: int = 0) -> int:
    """One Lai Châu 2020 of this shape as a JSONL file; the number of events written."""
    count = 0
    with open(path, "wb") as handle:
        for event in province_year(2020, events, random.Random(2020), block, scores, units):
            handle.write(orjson.dumps(event) + b"\n")
            count += 1
    return count


def of_bytes(path: str, size: int) -> int:
    """Province-years of 50,000 events until the file holds `size` bytes; the number of events."""
    count = 0
    with open(path, "wb") as handle:
        for line in log(10**9):
            handle.write(line)
            count += 1
            if count % 1000 == 0 and handle.tell() >= size:
                return count
    return count


def log(total: int, seed: int = 2020, per_year: int = PER_PROVINCE_YEAR) -> Iterator[bytes]:
    """`total` events as JSONL lines: province-years of at most `per_year` events each."""
    rng = random.Random(seed)
    year, left = 2020, total
    while left > 0:
        size = min(per_year, left)
        for event in province_year(year, size, rng):
            yield orjson.dumps(event) + b"\n"
        left -= size
        year += 1


def write(path: str, total: int, per_year: int = PER_PROVINCE_YEAR) -> int:
    count = 0
    with open(path, "wb") as handle:
        for line in log(total, per_year=per_year):
            handle.write(line)
            count += 1
    return count


def write_years(folder: str, total: int) -> list[str]:
    """The same log as `write`, one file per province-year (as each province would import its own)."""
    paths: list[str] = []
    handle = None
    for line in log(total):
        year = orjson.loads(line)["period"]
        if not paths or not paths[-1].endswith(f"-{year}.jsonl"):
            if handle:
                handle.close()
            paths.append(f"{folder}/laichau-{year}.jsonl")
            handle = open(paths[-1], "wb")  # noqa: SIM115 (one file per year, closed when the year changes)
        handle.write(line)
    if handle:
        handle.close()
    return paths


if __name__ == "__main__":
    import sys

    print(write(sys.argv[1], int(sys.argv[2])))
