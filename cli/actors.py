"""Actors (CONTRACT.md §3): `init` makes an enforcing store, `actors` lists who may record what."""

from __future__ import annotations

from pathlib import Path

import click

from thidua.cli import options
from thidua.cli.context import BadInput, Context, Usage, pass_ctx

KEY = click.Path(dir_okay=False, path_type=Path)


@click.command("init")
@click.option("--admin", "admin", required=True, help="The first administrator's actor name.")
@click.option("--pubkey", type=KEY, required=True, help="Its Ed25519 public key (from `thidua keygen`).")
@click.option("--name", help="The administrator's full name (default: the actor name).")
@pass_ctx
def init_cmd(ctx: Context, admin: str, pubkey: Path, name: str | None) -> None:
    """Turn an empty store into an enforcing one with one administrator.

    From then on every write is signed by an appointed actor (`import --as ACTOR --key KEYFILE`)
    and must be permitted to its role by the province's permissions. Position 1 appoints the
    administrator; give its key fingerprint to auditors.

    \b
    Example:
      thidua keygen admin.key
      thidua --db office.sqlite init --admin LDLD_TINH_ADMIN --pubkey admin.key.pub
    """
    from thidua.actors import keys
    from thidua.actors.gate import genesis
    from thidua.clock import now
    from thidua.fields import Ident, Invalid
    from thidua.log.store import AppendConflict

    try:
        Ident().parse(admin)
    except Invalid as exc:
        raise Usage(f"--admin: {exc}") from None
    if "/" in admin:
        raise Usage("--admin: an actor's name may not contain '/'")
    try:
        raw = keys.public_file(pubkey)
    except keys.BadKey as exc:
        raise BadInput(str(exc)) from None
    store = ctx.new_or_existing_store
    head = store.head()
    if head[0]:
        raise Usage(f"the store already holds {head[0]} events: only an empty store can be made enforcing")
    try:
        store.append([genesis(admin, name or admin, raw, now())], head)
    except AppendConflict:
        raise Usage("another writer appended first: only an empty store can be made enforcing") from None
    click.echo(f"enforcing store: position 1 appoints {admin} (admin, key {keys.fingerprint(raw)})")


@click.command("actors")
@options.as_of
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@pass_ctx
def actors_cmd(ctx: Context, as_of: str | None, fmt: str) -> None:
    """Who may record what: every actor appointed, its role, scope, key and whether it is revoked,
    as of a moment (`--as-of`, like the queries).

    \b
    Example:
      thidua actors
      thidua actors --as-of 2020-12-20
    """
    from thidua.actors.mode import mode_of
    from thidua.actors.roster import Roster
    from thidua.cli.render import table
    from thidua.documents.jsonout import to_json
    from thidua.replay.fold import AsOfError, parse_as_of

    try:
        moment = parse_as_of(as_of)
    except AsOfError as exc:
        raise Usage(str(exc)) from None
    store = ctx.store
    roster = Roster.of(s for s in store.read(stop=moment.position) if moment.includes(s.position, s.recorded_at))
    mode = mode_of(store)
    rows = [a.as_json() for a in roster.actors.values()]
    if fmt == "json":
        click.echo(to_json({"store": mode, "as_of": moment.label(), "actors": rows}))
        return
    click.echo(f"store: {mode}")
    click.echo(
        table(
            ["actor", "role", "province", "block", "unit", "key", "since", "revoked"],
            [
                (
                    r["actor"],
                    r["role"],
                    r["province"],
                    r["block"] or "",
                    r["unit"] or "",
                    r["key"],
                    r["since"],
                    r["revoked"] or "",
                )
                for r in rows
            ],
        )
    )
