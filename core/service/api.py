"""The `/v1` API of CONTRACT.md §3: the command line's documents, over HTTP.

Every handler calls the function its command calls and answers with the bytes `--format json`
prints; the command line's errors come back as `{error, exit_code}` with the HTTP status of
`app.STATUS`, so a remote `thidua` prints the same line and exits the same way.
"""

from __future__ import annotations

import base64
import random
import time
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from thidua.cli.records import MAX_INPUT
from thidua.service.state import Failure, Service

router = APIRouter(prefix="/v1")

BUSY_ATTEMPTS = 5  # imports, each with the importer's own retries, before answering 503 (exit 4)
MAX_BODY = MAX_INPUT  # bytes of JSONL in one import, as `thidua import` (THIDUA_MAX_INPUT)

ERRORS: dict[int | str, dict[str, Any]] = {
    code: {
        "description": why,
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "required": ["error", "exit_code"],
                    "properties": {
                        "error": {"type": "string"},
                        "exit_code": {"type": "integer"},
                        "problems": {"type": "array", "items": {"type": "object"}},
                    },
                }
            }
        },
    }
    for code, why in (
        (400, "wrong usage (the command line's exit 2): unknown province, malformed as_of, unknown unit…"),
        (401, "not authenticated: an enforcing store wants a request signed by an actor"),
        (409, "integrity failure (exit 3)"),
        (422, "bad input (exit 1): every bad line, nothing written"),
        (503, "the store stayed busy (exit 4); nothing written"),
    )
}
DOCUMENT: dict[int | str, dict[str, Any]] = {
    200: {"description": "the document", "content": {"application/json": {"schema": {"type": "object"}}}},
    **ERRORS,
}

Province = Annotated[str, Query(description="Plugin key, e.g. laichau.", examples=["laichau", "hcm_q1"])]
Period = Annotated[str, Query(description='A year "2020" or a phase "2015-2019".', examples=["2020", "2015-2019"])]
AsOf = Annotated[
    str | None,
    Query(description="Moment of knowledge: ISO date/time (local time) or @N.", examples=["@300", "2020-12-20"]),
]


def _service(request: Request) -> Service:
    return request.app.state.service


def _json(text: str) -> Response:
    return Response(text, media_type="application/json")


def _document(text: str) -> Response:
    """A document exactly as the command line prints it (`views.…(data, "json")`)."""
    return _json(text + "\n")


@router.get("/standings", responses=DOCUMENT, response_class=Response)
def standings(
    request: Request,
    province: Province,
    period: Period,
    block: str | None = None,
    as_of: AsOf = None,
    fresh: bool = False,
) -> Response:
    """The `standings --format json` document (`fresh`: replayed from the log alone, as `--fresh`)."""
    from thidua.cli.queries import standings_document
    from thidua.documents.jsonout import to_json

    service = _service(request)
    service.actor(request, b"", public=True)
    with service.using() as ctx:
        return _document(to_json(standings_document(ctx, province, period, block, as_of, fresh=fresh)))


@router.get("/eligibility", responses=DOCUMENT, response_class=Response)
def eligibility(
    request: Request, province: Province, period: Period, as_of: AsOf = None, fresh: bool = False
) -> Response:
    """The `eligibility --format json` document."""
    from thidua.cli.queries import eligibility_document
    from thidua.documents.jsonout import to_json

    service = _service(request)
    service.actor(request, b"")
    with service.using() as ctx:
        return _document(to_json(eligibility_document(ctx, province, period, as_of, fresh=fresh)))


@router.get("/explain", responses=DOCUMENT, response_class=Response)
def explain(
    request: Request,
    province: Province,
    period: Period,
    unit: str | None = None,
    person: str | None = None,
    as_of: AsOf = None,
    fresh: bool = False,
) -> Response:
    """The `explain --format json` document of one unit or person."""
    from thidua.cli.queries import explain_document
    from thidua.documents.jsonout import to_json

    service = _service(request)
    service.actor(request, b"")
    with service.using() as ctx:
        return _document(to_json(explain_document(ctx, province, period, unit, person, as_of, fresh=fresh)))


@router.get("/diff", responses=DOCUMENT, response_class=Response)
def diff(
    request: Request,
    province: Province,
    period: Period,
    start: Annotated[str, Query(alias="from", description="Earlier moment: ISO date/time or @N.")],
    end: Annotated[str, Query(alias="to", description="Later moment: ISO date/time or @N.")],
) -> Response:
    """The `diff --format json` document."""
    from thidua.cli.audit import diff_document
    from thidua.documents.jsonout import to_json

    service = _service(request)
    service.actor(request, b"")
    with service.using() as ctx:
        return _document(to_json(diff_document(ctx, province, period, start, end)))


@router.get(
    "/log",
    response_class=Response,
    responses={
        200: {"description": "JSONL, as `thidua log --format jsonl`", "content": {"application/jsonl": {}}},
        **ERRORS,
    },
)
def log(
    request: Request,
    after: Annotated[int, Query(ge=0, le=2**62, description="Events after this position.")] = 0,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 1000,
) -> Response:
    """Stored events after a position, one JSON object per line, with position, recorded_at and hash."""
    from thidua.documents.build import export_json
    from thidua.documents.jsonout import jsonl

    service = _service(request)
    service.actor(request, b"")
    with service.using() as ctx:
        lines = [jsonl(export_json(s)) + "\n" for s in ctx.store.read(start=after + 1, stop=after + limit)]
    return Response("".join(lines), media_type="application/jsonl")


@router.get("/head", responses=DOCUMENT)
def head(request: Request) -> dict[str, Any]:
    """The last log position and its hash (what a checkpoint signs)."""
    service = _service(request)
    service.actor(request, b"", public=True)
    with service.using() as ctx:
        position, head_hash = ctx.store.head()
    return {"position": position, "hash": head_hash}


@router.get("/verify", responses=DOCUMENT)
def verify(
    request: Request,
    position: Annotated[int | None, Query(ge=0, le=2**62, description="A checkpoint's position…")] = None,
    hash: Annotated[str | None, Query(description="…and its head hash, which the log must still have")] = None,
    quick: bool = False,
) -> dict[str, Any]:
    """The hash chain recomputed, in an enforcing store every seal, signer and right, and, unless
    `quick`, every read model checked against the log (409 and the first bad position or read model if
    anything was altered)."""
    from thidua.cli.audit import read_models_checked, verify_store

    service = _service(request)
    service.actor(request, b"", public=True)
    if (position is None) != (hash is None):
        raise Failure(400, 2, "give both position and hash of the checkpoint, or neither")
    pinned = (position, hash) if position is not None and hash is not None else None
    seen: list[Any] = []
    with service.using() as ctx:
        result = verify_store(ctx, pinned, None, seen)
        lines, notes = ([], []) if quick else read_models_checked(ctx)
    actors = seen[0]
    return {
        "ok": True,
        "events": result.count,
        "head_hash": result.head_hash,
        "lines": lines,
        "notes": notes,
        "store": actors.mode,
        "batches": actors.batches,
        "signers": len(actors.signers),
        "anchor": actors.anchor,
        "anchor_key": base64.b64encode(actors.anchor_key).decode() if actors.anchor_key else None,
    }


@router.get("/plugins", responses=DOCUMENT, response_class=Response)
def plugins(request: Request) -> Response:
    """The `plugins --format json` document."""
    from thidua.cli.queries import plugins_document
    from thidua.documents.jsonout import to_json

    service = _service(request)
    service.actor(request, b"", public=True)
    with service.using() as ctx:
        return _json(to_json(plugins_document(ctx)) + "\n")


@router.get("/rules", responses=DOCUMENT, response_class=Response)
def rules(request: Request, province: Province, period: Period | None = None) -> Response:
    """The `rules list --format json` document."""
    from thidua.audit import catalogue
    from thidua.documents.jsonout import to_json

    service = _service(request)
    service.actor(request, b"", public=True)
    with service.using() as ctx:
        if period:
            ctx.ruleset(province, period)
        return _document(to_json({"rules": catalogue.listing(ctx.province(province), period)}))


@router.get("/rules/{rule_id}", responses=DOCUMENT, response_class=Response)
def rule(request: Request, rule_id: str, province: str | None = None) -> Response:
    """The `rules show --format json` document of one rule id."""
    from thidua.cli.audit import rule_document
    from thidua.documents.jsonout import to_json

    service = _service(request)
    service.actor(request, b"", public=True)
    with service.using() as ctx:
        return _document(to_json({"rules": rule_document(ctx, rule_id, province)}))


@router.post(
    "/events",
    responses={
        200: {
            "description": "appended",
            "content": {
                "application/json": {
                    "schema": {
                        "type": "object",
                        "required": ["appended", "skipped", "position", "hash"],
                        "properties": {
                            "appended": {"type": "integer"},
                            "skipped": {"type": "integer"},
                            "position": {"type": "integer"},
                            "hash": {"type": "string"},
                        },
                    }
                }
            },
        },
        **ERRORS,
    },
    openapi_extra={
        "requestBody": {"required": True, "content": {"application/jsonl": {"schema": {"type": "string"}}}},
    },
)
async def events(request: Request) -> Response:
    """Validate and append JSONL events, as `thidua import`: all lines or none."""
    from starlette.concurrency import run_in_threadpool

    size = request.headers.get("content-length")
    if size and size.isdigit() and int(size) > MAX_BODY:
        raise Failure(
            413, 1, f"the body is over the limit of {MAX_BODY:,} bytes (THIDUA_MAX_INPUT); nothing was appended"
        )
    body = await request.body()
    if len(body) > MAX_BODY:
        raise Failure(
            413, 1, f"the body is over the limit of {MAX_BODY:,} bytes (THIDUA_MAX_INPUT); nothing was appended"
        )
    return await run_in_threadpool(_append, request, body)


def _busy(problems: list[Any]) -> bool:
    """The importer's "the log kept moving" (contention, not bad input: exit 4, never 422)."""
    return len(problems) == 1 and problems[0].line == 0 and problems[0].key == "(store)"


def _append_sealed(request: Request, service: Service, who: str, body: bytes) -> Response:
    """An enforcing store: the actor's batch in two requests (the service never holds its key).
    `?prepare=1` validates and answers the entries the append would write; the actor signs them
    (thidua.actors.seal) and sends the batch again with `?seal=` (base64 of the seal's JSON, inside
    the signed request). If the log moved in between, 409: prepare and seal again."""
    import base64

    import orjson

    from thidua.actors.gate import Signer
    from thidua.documents.jsonout import jsonl
    from thidua.intake.importer import import_events

    if request.query_params.get("sheet"):
        raise Failure(422, 1, "an enforcing store takes scoring sheets where the store is (thidua import FILE.xlsx)")
    prepare, sealed = request.query_params.get("prepare"), request.query_params.get("seal")
    made = None
    if not prepare:
        try:
            made = orjson.loads(base64.urlsafe_b64decode(sealed or ""))
        except (ValueError, TypeError):
            raise Failure(
                400, 2, "an enforcing store takes a sealed batch: POST ?prepare=1, sign the entries, send ?seal="
            ) from None
    with service.using() as ctx:
        store = ctx.store
        outcome = import_events(store, body, ctx.plugins, signer=Signer(who, seal=made), prepare=bool(prepare))
        problems = [
            {"line": p.line, "key": p.key, "reason": p.reason, "rule": None, "text": str(p)} for p in outcome.problems
        ]
        if outcome.problems and outcome.problems[0].key == "(seal)":
            raise Failure(409, 4, outcome.problems[0].reason)
        if problems and _busy(outcome.problems):
            raise Failure(503, 4, "the store stayed busy (other writers appending); nothing was written: try again")
        if problems:
            raise Failure(422, 1, f"{len(problems)} problem(s); nothing was appended", problems=problems)
        if prepare:
            head = outcome.head or store.head()
            return _json(
                jsonl(
                    {
                        "store": "enforcing",
                        "head": list(head),
                        "entries": [list(e) for e in outcome.entries],
                        "skipped": outcome.skipped,
                    }
                )
            )
        last = store.last_appended.last if outcome.appended else None
        position, head_hash = (last.position, last.hash) if last else store.head()
    return _json(
        jsonl({"appended": outcome.appended, "skipped": outcome.skipped, "position": position, "hash": head_hash})
    )


def _append(request: Request, body: bytes) -> Response:
    from thidua.documents.jsonout import jsonl
    from thidua.intake.importer import import_events

    service = _service(request)
    who = service.actor(request, body)
    from thidua.actors.gate import StoreKeys

    if isinstance(service.keys, StoreKeys) and service.keys.enforcing and who is not None:
        return _append_sealed(request, service, who, body)  # the store's own actors: signed batches
    if request.query_params.get("prepare"):  # an open store: nothing to seal, append as is
        return _json(jsonl({"store": "open"}))
    sheet = request.query_params.get("sheet")
    problems: list[dict[str, Any]]
    for attempt in range(BUSY_ATTEMPTS):
        with service.using() as ctx:
            store = ctx.new_or_existing_store
            if sheet:  # a filled scoring sheet (`thidua sheet`): its cells become lines, problems name cells
                from thidua.cli.office import import_sheet

                appended, skipped, texts = import_sheet(ctx, store, sheet, body, None)
                problems = [{"line": None, "key": None, "reason": None, "rule": None, "text": t} for t in texts]
                busy = False
            else:
                outcome = import_events(store, body, ctx.plugins)
                appended, skipped, busy = outcome.appended, outcome.skipped, _busy(outcome.problems)
                problems = [
                    {"line": p.line, "key": p.key, "reason": p.reason, "rule": None, "text": str(p)}
                    for p in outcome.problems
                ]
            if problems and not busy:
                ctx.discard_if_new()  # as `thidua import`: bad input leaves no new empty store behind
                raise Failure(422, 1, f"{len(problems)} problem(s); nothing was appended", problems=problems)
            if not busy:
                last = store.last_appended.last if appended else None
                position, head_hash = (last.position, last.hash) if last else store.head()
                break
        time.sleep(random.uniform(0.01, 0.05) * (attempt + 1))  # other processes are appending: let them
    else:
        raise Failure(503, 4, "the store stayed busy (other writers appending); nothing was written: try again")
    return _json(jsonl({"appended": appended, "skipped": skipped, "position": position, "hash": head_hash}))
