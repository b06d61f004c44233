"""`--db http://HOST:PORT`: every command as a client of `thidua serve` (CONTRACT.md §3).

The service answers with the documents the command line would build (`GET /v1/standings` is the
`standings --format json` text); here they are printed as they are, or rendered by the same
`views` a local store's documents go through. The service's errors carry the command line's
line and exit status, and come out here as they would locally. `cli/main.py` swaps a command for
its remote twin below when `--db` is an http(s) URL; commands that need no store stay as they are.
"""

from __future__ import annotations

import copy
import json
import os
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import click

from thidua.cli.context import BadInput, Context, Integrity, Usage, pass_ctx

LOCAL_ONLY = {"keygen", "plugin"}  # need no store: the same command, local or remote
PAGE = 5000


def is_remote(db: str | None) -> bool:
    return bool(db) and str(db).startswith(("http://", "https://"))


class Remote(click.ClickException):
    """An error the service reported: its line, with the command line's exit status."""

    def __init__(self, message: str, exit_code: int):
        super().__init__(message)
        self.exit_code = exit_code  # type: ignore[misc]  # the status the service reported


class Client:
    """One service, reached over HTTP; requests signed when an actor and key are given."""

    def __init__(self, url: str, actor: str | None = None, key: Path | None = None):
        import httpx

        self.url = url.rstrip("/")
        self.actor, self.key = actor, key
        self.http = httpx.Client(base_url=self.url, timeout=httpx.Timeout(300, connect=10))

    def request(self, method: str, path: str, params: dict[str, Any] | None = None, body: bytes = b"") -> Any:
        import httpx

        query = urlencode({k: v for k, v in (params or {}).items() if v is not None})
        target = path + (f"?{query}" if query else "")
        headers = {"Content-Type": "application/jsonl"} if method == "POST" else {}
        if self.actor and self.key:
            from thidua.audit.checkpoint import CheckpointError
            from thidua.service.auth import sign_headers

            try:
                headers |= sign_headers(self.key, self.actor, method, target, body)
            except CheckpointError as exc:
                raise BadInput(str(exc)) from None
        try:
            response = self.http.request(method, target, content=body or None, headers=headers)
        except httpx.HTTPError as exc:
            raise Usage(f"--db {self.url}: cannot reach the service ({type(exc).__name__}: {exc})") from None
        if response.status_code != 200:
            try:
                error = response.json()
                message, exit_code = error["error"], int(error["exit_code"])
            except (ValueError, KeyError, TypeError):
                raise Usage(f"--db {self.url}: the service answered {response.status_code} to {path}") from None
            if path == "/v1/events":
                from thidua.fields import printable

                for problem in error.get("problems") or []:
                    click.echo(printable(problem["text"]), err=True)
            raise Remote(message, exit_code)
        return response

    def text(self, path: str, **params: Any) -> str:
        return self.request("GET", path, params).text

    def document(self, path: str, **params: Any) -> tuple[str, Any]:
        """The document's text as served, and its data with exact decimals (as a local store's)."""
        text = self.text(path, **params)
        return text, json.loads(text, parse_float=Decimal, parse_int=Decimal)


def client(ctx: Context, actor: str | None = None, key: Path | None = None) -> Client:
    """The service at --db; every request signed as THIDUA_ACTOR with THIDUA_KEY when they are set
    (an enforcing store wants that for reads too), or as `import --as --key`."""
    if actor is None and key is None and os.environ.get("THIDUA_ACTOR") and os.environ.get("THIDUA_KEY"):
        actor, key = os.environ["THIDUA_ACTOR"], Path(os.environ["THIDUA_KEY"])
    return Client(ctx.db, actor, key)


def _show(text: str, data: Any, fmt: str, render: Callable[[Any, str], str]) -> None:
    click.echo(text if fmt == "json" else render(data, fmt), nl=False)


def _emit(ctx: Context, what: str, text: str, data: Any, fmt: str, output: str | None, lang: str) -> None:
    """As `office.emit` locally: JSON is the served text itself; tables, CSV and xlsx are made here."""
    from thidua.cli import office

    if fmt != "json":
        return office.emit(ctx, what, data, fmt, output, lang)
    if output:
        office.write_output(Path(output), text.encode("utf-8"))
    else:
        click.echo(text, nl=False)


# The remote twins, one per command, taking the same parameters.


def _flag(value: bool) -> str | None:
    """A boolean query parameter, left out when false (so the URL is the plain one)."""
    return "true" if value else None


def standings(
    ctx: Context,
    province: str,
    period: str,
    block: str | None,
    as_of: str | None,
    fmt: str,
    output: str | None = None,
    lang: str = "en",
    fresh: bool = False,
) -> None:
    text, data = client(ctx).document(
        "/v1/standings", province=province, period=period, block=block, as_of=as_of, fresh=_flag(fresh)
    )
    _emit(ctx, "standings", text, data, fmt, output, lang)


def eligibility(
    ctx: Context,
    province: str,
    period: str,
    as_of: str | None,
    fmt: str,
    output: str | None = None,
    lang: str = "en",
    fresh: bool = False,
) -> None:
    text, data = client(ctx).document(
        "/v1/eligibility", province=province, period=period, as_of=as_of, fresh=_flag(fresh)
    )
    _emit(ctx, "eligibility", text, data, fmt, output, lang)


def explain(
    ctx: Context,
    province: str,
    period: str,
    unit: str | None,
    person: str | None,
    as_of: str | None,
    fmt: str,
    output: str | None = None,
    lang: str = "en",
    fresh: bool = False,
) -> None:
    from thidua.cli.queries import is_candidate

    if bool(unit) == bool(person):
        raise Usage("give exactly one of --unit or --person")
    text, data = client(ctx).document(
        "/v1/explain", province=province, period=period, unit=unit, person=person, as_of=as_of, fresh=_flag(fresh)
    )
    _emit(ctx, "explain_candidate" if is_candidate(data) else "explain", text, data, fmt, output, lang)


def diff(ctx: Context, province: str, period: str, start: str, end: str, fmt: str) -> None:
    from thidua.cli import views

    text, data = client(ctx).document("/v1/diff", province=province, period=period, **{"from": start, "to": end})
    _show(text, data, fmt, views.diff)


def plugins(ctx: Context, fmt: str) -> None:
    from thidua.cli.queries import show_plugins

    text, data = client(ctx).document("/v1/plugins")
    if fmt == "json":
        click.echo(text, nl=False)
    else:
        show_plugins(data)


def rules_list(ctx: Context, province: str, period: str | None, fmt: str) -> None:
    from thidua.cli import views

    text, data = client(ctx).document("/v1/rules", province=province, period=period)
    _show(text, data["rules"], fmt, views.rules_list)


def rules_show(ctx: Context, rule_id: str, province: str | None, fmt: str) -> None:
    from urllib.parse import quote

    from thidua.cli import views

    text, data = client(ctx).document(f"/v1/rules/{quote(rule_id, safe='')}", province=province)
    _show(text, data["rules"], fmt, views.rules_show)


def verify(
    ctx: Context,
    checkpoint_file: Path | None,
    pubkey: tuple[Path, ...],
    bundle: Path | None,
    quick: bool = False,
    admin_pubkey: Path | None = None,
) -> None:
    from thidua.cli import audit

    if bundle is not None:  # a bundle needs no database: checked here, as locally
        if checkpoint_file is not None:
            raise Usage("give --bundle or --checkpoint, not both")
        return audit._verify_bundle(ctx, bundle, pubkey)
    signed = audit.read_checkpoint(checkpoint_file, pubkey) if checkpoint_file is not None else None
    query: dict[str, Any] = {"position": signed.position, "hash": signed.head_hash} if signed else {}
    if quick:
        query["quick"] = "true"
    result = client(ctx).request("GET", "/v1/verify", query).json()
    from thidua.log.verify import Verified

    click.echo(audit.verified_line(Verified(result["events"], result["head_hash"])))
    _enforcing(result, admin_pubkey)
    if signed is not None:
        click.echo(
            f"ok: the log extends the checkpoint of {signed.time} (position {signed.position}, "
            f"hash {signed.head_hash[:16]}…), signed by {signed.signer}"
        )
    for line in result.get("lines", []):
        click.echo(line)
    for note in result.get("notes", []):
        click.echo(note, err=True)


def checkpoint(ctx: Context, key: Path) -> None:
    from thidua.audit import checkpoint as signing
    from thidua.documents.jsonout import to_json

    head = client(ctx).request("GET", "/v1/head").json()
    try:
        click.echo(to_json(signing.sign(key, head["position"], head["hash"])))
    except signing.CheckpointError as exc:
        raise BadInput(str(exc)) from None


def _enforcing(result: dict[str, Any], admin_pubkey: Path | None) -> None:
    """The service's verdict on actors, and the trust anchor held to the key the auditor trusts."""
    import base64

    from thidua.actors import keys

    if admin_pubkey is not None:
        try:
            trusted = keys.public_file(admin_pubkey)
        except keys.BadKey as exc:
            raise BadInput(str(exc)) from None
        if result.get("anchor_key") != base64.b64encode(trusted).decode():
            what = f"appoints {result.get('anchor')}" if result.get("anchor") else "appoints nobody: the store is open"
            raise Integrity(
                f"integrity failure at position 1: it {what}, not the administrator key {keys.fingerprint(trusted)} "
                f"of {admin_pubkey}"
            )
    if result.get("store") == "enforcing":
        click.echo(
            f"ok: enforcing store: {result['batches']} signed batch(es) by {result['signers']} actor(s) verify, "
            f"each event within its signer's rights; first administrator {result['anchor']}"
        )


def import_(ctx: Context, file: str, actor: str | None, key: Path | None, wait: float | None = None) -> None:
    # (--wait is the service's: it waits for other writers where the store is)
    if bool(actor) != bool(key):
        raise Usage("--as and --key go together: the actor and the key that signs for it")
    from thidua.cli.records import _read_input
    from thidua.office.sheetin import is_spreadsheet

    if file.lower().endswith((".csv", ".xls", ".ods", ".tsv")):
        raise BadInput(f"{file}: import reads JSONL events, or an .xlsx scoring sheet made by `thidua sheet`")
    data = _read_input(file)  # the same limits as a local import
    sheet = {"sheet": file} if is_spreadsheet(file, data) else None  # its cells become lines at the service
    service = client(ctx, actor, key)
    outcome = _sealed(service, data, key) if actor and key and not sheet else None
    if outcome is None:
        outcome = service.request("POST", "/v1/events", sheet, body=data).json()
    click.echo(f"appended {outcome['appended']}, skipped {outcome['skipped']} (already stored)")


def _sealed(service: Client, data: bytes, key: Path) -> dict[str, Any] | None:
    """An enforcing store: the service prepares the batch, the actor seals its entries with its key
    here, and the service appends it with that seal (again if another writer moved the log); None
    for an open store."""
    import base64
    import secrets

    import orjson

    from thidua.actors import keys, seal

    try:
        private = keys.load_private(key)
    except keys.BadKey as exc:
        raise BadInput(str(exc)) from None
    for _ in range(5):
        once = secrets.token_hex(8)  # two identical signed requests within a second would read as a replay
        prepared = service.request("POST", "/v1/events", {"prepare": 1, "once": once}, body=data).json()
        if prepared.get("store") != "enforcing":
            return None
        if not prepared["entries"]:
            return {"appended": 0, "skipped": prepared["skipped"]}
        entries = [(int(p), str(t), str(d)) for p, t, d in prepared["entries"]]
        made = base64.urlsafe_b64encode(orjson.dumps(seal.make(str(service.actor), private, entries))).decode()
        try:
            return service.request("POST", "/v1/events", {"seal": made, "once": once}, body=data).json()
        except Remote as exc:
            if exc.exit_code != 4:
                raise
    raise Remote("the log kept moving while the batch was sealed; nothing was written: try again", 4)


def log(
    ctx: Context,
    province: str | None,
    period: str | None,
    event_type: str | None,
    subject: str | None,
    since: int,
    fmt: str,
) -> None:
    import orjson

    from thidua.cli.records import _subjects, _summary
    from thidua.cli.render import table
    from thidua.clock import fmt_local
    from thidua.events import EVENT_TYPES, STORE_KEYS

    service, rows, after = client(ctx), [], since - 1
    while True:
        lines = service.text("/v1/log", after=after, limit=PAGE).splitlines()
        for line in lines:
            event = orjson.loads(line)
            after = event["position"]
            fields = EVENT_TYPES[event["type"]].fields()
            record = {
                k: fields[k].store(fields[k].parse(v))
                for k, v in json.loads(line, parse_float=Decimal).items()
                if k != "type" and k not in STORE_KEYS
            }
            if (
                (province and record["province"] != province)
                or (period and record["period"] != period)
                or (event_type and event["type"] != event_type)
                or (subject and subject not in _subjects(event["type"], record))
            ):
                continue
            if fmt == "jsonl":
                click.echo(line)
                continue
            from datetime import datetime

            rows.append(
                (
                    event["position"],
                    fmt_local(datetime.fromisoformat(event["recorded_at"])),
                    event["hash"][:12],
                    event["type"],
                    record["province"],
                    record["period"],
                    record["at"][:16].replace("T", " "),
                    _summary(record),
                )
            )
        if len(lines) < PAGE:
            break
    if fmt == "table":
        click.echo(table(["pos", "recorded", "hash", "type", "province", "period", "at", "what"], rows, right=[0]))


def demo(ctx: Context) -> None:
    from thidua.cli import views

    service = client(ctx)
    for key in sorted(ctx.plugins.provinces):
        province = ctx.plugins.provinces[key]
        for file in province.demo:
            try:
                outcome = service.request("POST", "/v1/events", body=file.read_bytes()).json()
            except Remote as exc:
                raise BadInput(f"the demo data of {key} is invalid; nothing was appended ({exc.message})") from None
            click.echo(f"{key}: {file.name}: appended {outcome['appended']}, skipped {outcome['skipped']}")
        for period in province.demo_periods:
            click.echo()
            if ctx.plugins.implements(key, "thidua_standings"):
                _, data = service.document("/v1/standings", province=key, period=period)
                click.echo(views.standings(data, "table"), nl=False)
            else:
                _, data = service.document("/v1/eligibility", province=key, period=period)
                click.echo(views.eligibility(data, "table"), nl=False)


def where_the_store_is(name: str) -> Callable[..., None]:
    def refuse(ctx: Context, **_: Any) -> None:
        raise Usage(f"{name} runs where the store is, not against the service at --db {ctx.db}")

    return refuse


TWINS: dict[str, Callable[..., None]] = {
    "standings": standings,
    "eligibility": eligibility,
    "explain": explain,
    "diff": diff,
    "plugins": plugins,
    "rules list": rules_list,
    "rules show": rules_show,
    "verify": verify,
    "checkpoint": checkpoint,
    "import": import_,
    "log": log,
    "demo": demo,
}
SIGNING = [
    click.Option(["--as", "actor"], envvar="THIDUA_ACTOR", help="The actor recording (also THIDUA_ACTOR)."),
    click.Option(
        ["--key", "key"],
        envvar="THIDUA_KEY",
        type=click.Path(dir_okay=False, path_type=Path),
        help="The actor's private key from `thidua keygen` (also THIDUA_KEY).",
    ),
]


def twin(command: click.Command, prefix: str = "") -> click.Command:
    """The same command (name, options, help) answered by the service at --db."""
    name = f"{prefix}{command.name}"
    if command.name in LOCAL_ONLY:
        return command
    clone = copy.copy(command)
    if isinstance(command, click.Group):
        assert isinstance(clone, click.Group)
        clone.commands = {n: twin(c, f"{name} ") for n, c in command.commands.items()}
        return clone
    clone.callback = pass_ctx(TWINS.get(name) or where_the_store_is(name))
    if name == "import" and not any(p.name == "actor" for p in command.params):
        clone.params = [*command.params, *SIGNING]
    return clone
