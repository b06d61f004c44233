"""The auditor's commands: verify (chain, checkpoint, bundle), keygen, checkpoint, bundle, diff,
and the rule catalogue. Registered on the `thidua` group by cli/main.py."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from thidua.cli import options
from thidua.cli.context import BadInput, Context, Integrity, Usage, decider_for, pass_ctx

if TYPE_CHECKING:
    from thidua.log.verify import Verified

KEY = click.Path(dir_okay=False, path_type=Path)


@click.command("verify")
@click.option("--checkpoint", "checkpoint_file", type=KEY, help="A signed checkpoint the log must still extend.")
@click.option(
    "--pubkey",
    type=KEY,
    multiple=True,
    help="A public key (or a file of PEM public keys) you trust to have signed the checkpoint or bundle; repeatable.",
)
@click.option("--bundle", type=KEY, help="Verify an audit bundle instead of the store (needs no database).")
@click.option("--quick", is_flag=True, help="The hash chain only, not the read models.")
@click.option(
    "--admin-pubkey",
    "admin_pubkey",
    type=KEY,
    help="Enforcing stores: the first administrator's public key you trust (position 1 must appoint it).",
)
@pass_ctx
def verify_cmd(
    ctx: Context,
    checkpoint_file: Path | None,
    pubkey: tuple[Path, ...],
    bundle: Path | None,
    quick: bool,
    admin_pubkey: Path | None,
) -> None:
    """Recompute the hash chain and check every read model against the log; exit 3 naming the
    first bad position (or read model). --quick: the chain alone. In an enforcing store, also every
    batch's seal, its signer in force and each event within the signer's rights.

    The read models are checked row by row: every index row recomputed from its event, and every
    kept decision a query would serve decided afresh from the log and compared.

    With --checkpoint, also prove the log still extends the exact prefix the checkpoint signed
    (this catches a history rewritten *and re-hashed*). With --bundle, recompute the bundle's
    chain to its signed head and replay every decision in it from the bundle alone.

    A checkpoint or bundle is verified only against a key you trust (--pubkey). A bundle checked
    without one exits 5: consistent with itself, but signed by anyone.

    \b
    Example:
      thidua verify
      thidua verify --checkpoint cp-2020-12-20.json --pubkey operator.key.pub
      thidua verify --bundle laichau-2020.zip --pubkey operator.key.pub
      thidua verify --admin-pubkey admin.key.pub
    """
    if bundle is not None:
        if checkpoint_file is not None:
            raise Usage("give --bundle or --checkpoint, not both")
        return _verify_bundle(ctx, bundle, pubkey)
    pinned, signed = None, None
    if checkpoint_file is not None:
        signed = read_checkpoint(checkpoint_file, pubkey)
        pinned = (signed.position, signed.head_hash)
    seen: list[Any] = []
    click.echo(verified_line(verify_store(ctx, pinned, admin_pubkey, seen)))
    actors = seen[0]
    if actors.mode == "enforcing":
        click.echo(
            f"ok: enforcing store: {actors.batches} signed batch(es) by {len(actors.signers)} actor(s) verify, "
            f"each event within its signer's rights; first administrator {actors.anchor}"
        )
    if signed is not None:
        click.echo(
            f"ok: the log extends the checkpoint of {signed.time} (position {signed.position}, "
            f"hash {signed.head_hash[:16]}…), signed by {signed.signer}"
        )
    if quick:
        return
    lines, notes = read_models_checked(ctx)
    for line in lines:
        click.echo(line)
    for note in notes:
        click.echo(note, err=True)


def read_models_checked(ctx: Context) -> tuple[list[str], list[str]]:
    """Every read model checked against the log: the lines `verify` prints, and its notes (stderr).
    Raises Tampered (exit 3) at the first disagreement."""
    if ctx.store.read_only:
        return [], ["note: read models not checked: the store is read-only (its queries replay the log)"]
    if not ctx.store.has_read_models:
        return ["ok: no read models in this store (every query replays the log)"], []
    from thidua.readmodels.check import check

    agreed = check(ctx.store, ctx.plugins)
    return [
        f"ok: read models agree with the log: {agreed.indexed} index rows recomputed, "
        f"{agreed.parts} kept decision part(s) of {agreed.periods} province-period(s) decided afresh and equal"
    ], [f"note: not checked: {line}" for line in agreed.skipped]


def read_checkpoint(checkpoint_file: Path, pubkey: tuple[Path, ...]):
    """A checkpoint file checked against the key the auditor trusts (exit 1 or 3 if not)."""
    from thidua.audit import checkpoint

    if not pubkey:
        raise Usage("--checkpoint needs --pubkey: the key you trust to have signed it")
    try:
        document = checkpoint.read(_read(checkpoint_file, checkpoint.MAX_BYTES), str(checkpoint_file))
        return checkpoint.check(document, checkpoint.trusted_keys(pubkey))
    except checkpoint.CheckpointError as exc:
        raise BadInput(str(exc)) from None
    except checkpoint.ForgedCheckpoint as exc:
        raise Integrity(f"{checkpoint_file}: {exc}") from None


def verify_store(
    ctx: Context, pinned: tuple[int, str] | None = None, admin_pubkey: Path | None = None, seen: list | None = None
) -> Verified:
    """The chain recomputed (and held to a checkpoint's position and hash), then, in an enforcing
    store, every seal, signer and right; exit 3 at a breach. `seen` receives the actors' result."""
    from thidua.log.verify import Breach, verify_chain

    result = verify_chain(ctx.store, pinned)
    if isinstance(result, Breach):
        raise Integrity(f"integrity failure at position {result.position}: {result.reason}")
    actors = _verify_actors(ctx, admin_pubkey)
    if seen is not None:
        seen.append(actors)
    return result


def verified_line(result: Verified) -> str:
    return f"ok: {result.count} events, chain intact, head hash {result.head_hash}"


def _verify_actors(ctx: Context, admin_pubkey: Path | None):
    """Signatures, signers in force and their rights (thidua.actors.audit); exit 3 at the first breach.
    With `admin_pubkey`, position 1 must appoint that key: the trust anchor, pinned."""
    from thidua.actors import keys
    from thidua.actors.audit import ActorBreach, links, verify_actors

    trusted = None
    if admin_pubkey is not None:
        try:
            trusted = keys.public_file(admin_pubkey)
        except keys.BadKey as exc:
            raise BadInput(str(exc)) from None
    found = verify_actors(links(ctx.store.read()), ctx.plugins)
    if isinstance(found, ActorBreach):
        raise Integrity(f"integrity failure at position {found.position}: {found.reason}")
    if trusted is not None and found.anchor_key != trusted:
        what = f"appoints {found.anchor}" if found.mode == "enforcing" else "appoints nobody: the store is open"
        raise Integrity(
            f"integrity failure at position 1: it {what}, not the administrator key {keys.fingerprint(trusted)} "
            f"of {admin_pubkey}"
        )
    return found


def _read(path: Path, limit: int) -> bytes:
    """At most `limit` + 1 bytes: the reader refuses a file larger than what it reads."""
    try:
        with path.open("rb") as handle:
            return handle.read(limit + 1)
    except OSError as exc:
        raise BadInput(f"cannot read {path}: {exc.strerror}") from None


class Unverified(click.ClickException):
    """Consistent, but not signed by a key the user trusts: never to be mistaken for success."""

    exit_code = 5


def _verify_bundle(ctx: Context, path: Path, pubkey: tuple[Path, ...]) -> None:
    from thidua.audit.bundle import BundleBreach, BundleError, verify_bundle
    from thidua.audit.checkpoint import CheckpointError, trusted_keys

    try:
        result = verify_bundle(path, ctx.plugins, trusted_keys(pubkey) if pubkey else None)
    except (BundleError, CheckpointError) as exc:
        raise BadInput(str(exc)) from None
    except BundleBreach as exc:
        raise Integrity(f"bundle {path.name}: {exc}") from None
    if not result.trusted:
        raise Unverified(
            f"bundle {path.name}: NOT verified: consistent with itself, but signed by {result.signer}, "
            "a key you have not said you trust (give --pubkey FILE)"
        )
    click.echo(
        f"ok: {result.province} {result.period}: chain of {result.position} events recomputed to the signed head "
        f"{result.head_hash[:16]}… ({result.events} of the period, {result.digests} as digests), signed by {result.signer}"
    )
    click.echo(f"ok: {result.documents} decision documents reproduced byte for byte from the bundle's events")


@click.command("keygen")
@click.argument("keyfile", type=KEY)
def keygen_cmd(keyfile: Path) -> None:
    """Make an Ed25519 key pair for checkpoints: KEYFILE (private, owner-only) and KEYFILE.pub.

    \b
    Example:
      thidua keygen operator.key
    """
    from thidua.audit.checkpoint import CheckpointError, keygen

    try:
        public = keygen(keyfile)
    except CheckpointError as exc:
        raise BadInput(str(exc)) from None
    except OSError as exc:
        raise BadInput(f"cannot write {keyfile}: {exc.strerror}") from None
    click.echo(f"private key: {keyfile} (keep it secret)\npublic key:  {public} (give it to auditors)")


@click.command("checkpoint")
@click.option("--key", "key", type=KEY, required=True, help="The private key from `thidua keygen`.")
@pass_ctx
def checkpoint_cmd(ctx: Context, key: Path) -> None:
    """Print a signed statement of the log's current position, head hash and time (JSON).

    \b
    Example:
      thidua checkpoint --key operator.key > cp-2020-12-20.json
    """
    from thidua.audit import checkpoint
    from thidua.documents.jsonout import to_json

    position, head_hash = ctx.store.head()
    try:
        click.echo(to_json(checkpoint.sign(key, position, head_hash)))
    except checkpoint.CheckpointError as exc:
        raise BadInput(str(exc)) from None


@click.command("bundle")
@options.province()
@options.period()
@click.option("--key", "key", type=KEY, required=True, help="The private key that signs the bundle's checkpoint.")
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
@pass_ctx
def bundle_cmd(ctx: Context, province: str, period: str, key: Path, out: Path) -> None:
    """Write an audit bundle (zip): the period's events, a signed checkpoint, the decisions and
    an explain for every subject. `thidua verify --bundle` checks it without the database.

    \b
    Example:
      thidua bundle --province laichau --period 2020 --key operator.key laichau-2020.zip
    """
    from thidua.audit.bundle import write_bundle
    from thidua.audit.checkpoint import CheckpointError
    from thidua.audit.files import FileRefused
    from thidua.decisions.decider import PluginFailed

    if str(out) == "-":
        raise Usage("OUT is the bundle's file name; a zip is not written to stdout ('-')")
    ctx.ruleset(province, period)
    if out.exists() or out.is_symlink():
        raise BadInput(f"{out} exists: refusing to overwrite")
    try:
        manifest = write_bundle(ctx.store, ctx.plugins, province, period, key, out)
    except (CheckpointError, FileRefused) as exc:
        raise BadInput(str(exc)) from None
    except PluginFailed as exc:
        raise click.ClickException(str(exc)) from exc
    except OSError as exc:
        raise BadInput(f"cannot write {out}: {exc.strerror}") from None
    click.echo(
        f"wrote {out}: {manifest['events']} events of {province} {period}, {len(manifest['files'])} files, "
        f"signed at position {manifest['position']} (head {manifest['head_hash'][:16]}…)"
    )


@click.command("diff")
@options.province()
@options.period()
@click.option("--from", "start", required=True, help="Earlier moment: ISO date/time (local) or @N.")
@click.option("--to", "end", required=True, help="Later moment: ISO date/time (local) or @N.")
@options.output_format("table", "json")
@pass_ctx
def diff_cmd(ctx: Context, province: str, period: str, start: str, end: str, fmt: str) -> None:
    """What changed in the standings (or eligibility) between two moments, and the events that
    changed it: per block, every unit whose total, rank, eligibility or award moved.

    \b
    Example:
      thidua diff --province laichau --period 2020 --from 2020-12-10 --to 2020-12-20
    """
    from thidua.cli import views

    click.echo(views.diff(diff_document(ctx, province, period, start, end, fmt == "json"), fmt), nl=False)


def diff_document(ctx: Context, province: str, period: str, start: str, end: str, quiet: bool = True) -> dict[str, Any]:
    """What changed between two moments: what `diff` and the service print."""
    from thidua.audit.diff import compute
    from thidua.decisions.decider import PluginFailed

    before = decider_for(ctx, province, period, start, quiet=quiet, replayed=True)
    after = decider_for(ctx, province, period, end, quiet=quiet, replayed=True)
    if before.run.position > after.run.position:
        raise Usage(
            f"--from {start} reaches log position {before.run.position}, later than --to {end} "
            f"(position {after.run.position}): swap them"
        )
    try:
        return compute(before, after)
    except PluginFailed as exc:
        raise click.ClickException(str(exc)) from exc


@click.group("rules")
def rules_group() -> None:
    """The rule catalogue: every rule id outputs cite, with its document and sentence."""


@rules_group.command("list")
@options.province()
@options.period(required=False, help="Only the rule set in force for this period.")
@options.output_format("table", "json")
@pass_ctx
def rules_list_cmd(ctx: Context, province: str, period: str | None, fmt: str) -> None:
    """Every rule of a province: id, version, clause and summary.

    \b
    Example:
      thidua rules list --province laocai --period 2021
    """
    from thidua.audit import catalogue
    from thidua.cli import views

    if period:
        ctx.ruleset(province, period)
    click.echo(views.rules_list(catalogue.listing(ctx.province(province), period), fmt), nl=False)


@rules_group.command("show")
@click.argument("rule_id")
@options.province(required=False, help="Only this province (ids are unique across the built-ins).")
@options.output_format("table", "json")
@pass_ctx
def rules_show_cmd(ctx: Context, rule_id: str, province: str | None, fmt: str) -> None:
    """One rule: document, clause, the sentence it rests on, its values and interpretation,
    in every rule-set version that holds it.

    \b
    Example:
      thidua rules show LCA-DED-3
    """
    from thidua.cli import views

    click.echo(views.rules_show(rule_document(ctx, rule_id, province), fmt), nl=False)


def rule_document(ctx: Context, rule_id: str, province: str | None) -> list[dict[str, Any]]:
    """Every rule-set version holding `rule_id`: what `rules show` and the service print."""
    import difflib

    from thidua.audit import catalogue

    if province:
        ctx.province(province)
    found = catalogue.lookup(ctx.plugins, rule_id, province)
    if not found:
        known = [
            r["rule"]
            for key in ([province] if province else sorted(ctx.plugins.provinces))
            for r in catalogue.listing(ctx.province(key))
        ]
        near = difflib.get_close_matches(rule_id, known, n=1)
        raise Usage(
            f"no rule {rule_id!r}"
            + (f" in {province}" if province else "")
            + (f" (did you mean {near[0]!r}?)" if near else "")
        )
    return found
