"""Commands that write or list the log: `import`, `log`, `demo`."""

from __future__ import annotations

import contextlib
import gc
import os
import select
import stat
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

import click

from thidua.cli import options
from thidua.cli.context import BadInput, Context, Interrupted, Usage, decider_for, document_of, pass_ctx
from thidua.fields import printable
from thidua.log.signals import ignore_interrupts


@contextlib.contextmanager
def _without_collector() -> Iterator[None]:
    """The cyclic garbage collector off for an import: its passes over the growing facts were a
    quarter of the import's time and found no cycles worth them (the same peak memory without)."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


@click.command("import")
@click.argument("file", type=click.Path(allow_dash=True, dir_okay=False))
@options.wait(help="Seconds to wait for other writers before exit 4, store busy (default: the global --wait).")
@click.option("--as", "actor", envvar="THIDUA_ACTOR", help="Enforcing stores: the actor who writes (THIDUA_ACTOR).")
@click.option(
    "--key",
    "key",
    envvar="THIDUA_KEY",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Enforcing stores: the actor's private key, which signs the batch (THIDUA_KEY).",
)
@pass_ctx
@_without_collector()
def import_cmd(ctx: Context, file: str, wait: float | None, actor: str | None, key: Path | None) -> None:
    """Validate and append events from a JSONL FILE ('-' for stdin), or a filled scoring sheet
    (FILE.xlsx, made by `thidua sheet`): all lines or none.

    Each bad line is reported as `LINE N: key: reason` and nothing is written (exit 1).
    Re-importing an event with a stored `id` and the same content is skipped. Other writers
    are waited for up to --wait seconds; then exit 4 (store busy) and nothing is written. In an
    enforcing store (`thidua init`) the batch is written by `--as ACTOR` and signed with its
    `--key`; a line the actor's role may not record is a bad line.

    \b
    Example:
      thidua import events-2020.jsonl
      cat events.jsonl | thidua import -
      thidua import scores.jsonl --as LDLD_THAN_UYEN --key than_uyen.key
    """
    from thidua.cli.progress import Progress
    from thidua.intake.importer import import_events
    from thidua.office.sheetin import is_spreadsheet

    if wait is not None:
        ctx.wait = wait
    if file.lower().endswith((".csv", ".xls", ".ods", ".tsv")):
        raise BadInput(f"{file}: import reads JSONL events, or an .xlsx scoring sheet made by `thidua sheet`")
    progress = Progress("validating", 0)
    store = None
    source = None
    try:
        source = _open_input(file)  # read a line at a time: a file of any size fits in memory
        progress(0, _count_lines(source))
        store = ctx.new_or_existing_store
        if store.read_only:
            raise Usage(f"{ctx.db} is read-only: nothing can be appended to it")
        try:
            signer = _signer(store, actor, key)
        except click.ClickException:
            ctx.discard_if_new()
            raise
        store.after_commit = ignore_interrupts  # committed: finish and say so, whatever arrives now
        if is_spreadsheet(file, source.read(4)):  # a scoring sheet made by `thidua sheet`: its cells become lines
            from thidua.cli.office import import_sheet

            source.seek(0)
            appended, skipped, problems = import_sheet(ctx, store, file, source.read(), progress, signer)
        else:
            source.seek(0)
            outcome = import_events(store, source, ctx.plugins, progress, signer)
            appended, skipped, problems = outcome.appended, outcome.skipped, [str(p) for p in outcome.problems]
    except KeyboardInterrupt:
        # Ctrl-C or SIGTERM: the append is one transaction, so either all of it or none is stored.
        progress.close()
        if store is not None and (done := store.last_appended).last is not None:
            click.echo(
                f"appended {done.count} (positions {done.first}–{done.last.position}); interrupted after they were stored"
            )
            return
        ctx.discard_if_new()
        raise Interrupted("interrupted: nothing was appended") from None
    finally:
        if source is not None:
            source.close()
    progress.close(finished=not problems)
    if problems:
        for problem in problems:
            click.echo(printable(problem), err=True)
        ctx.discard_if_new()
        raise BadInput(f"{len(problems)} problem(s); nothing was appended")
    click.echo(f"appended {appended}, skipped {skipped} (already stored)")


def _signer(store, actor: str | None, key_file: Path | None):
    """The writer of an enforcing store; nobody signs in an open one."""
    from thidua.actors import keys
    from thidua.actors.gate import Signer
    from thidua.actors.mode import mode_of

    if mode_of(store) == "open":
        given = click.get_current_context(silent=True)
        typed = given is not None and any(
            given.get_parameter_source(name) == click.core.ParameterSource.COMMANDLINE for name in ("actor", "key")
        )
        if typed:  # THIDUA_ACTOR/THIDUA_KEY set for a remote store do not stop a local open one
            raise Usage("this store is open (never initialised with `thidua init`): --as and --key are not used")
        return None
    if not actor or key_file is None:
        raise Usage("this store is enforcing: write as an appointed actor with --as ACTOR --key KEYFILE")
    try:
        return Signer.load(actor, key_file)
    except keys.BadKey as exc:
        raise BadInput(str(exc)) from None


MAX_INPUT = int(os.environ.get("THIDUA_MAX_INPUT", 512 * 2**20))  # bytes of one import
STDIN_TIMEOUT = float(os.environ.get("THIDUA_STDIN_TIMEOUT", 60))  # seconds without a byte on stdin


def _read_input(file: str) -> bytes:
    """The whole input (for the service, which receives it in one request), within the limits of `_open_input`."""
    with _open_input(file) as source:
        return source.read()


def _open_input(file: str) -> BinaryIO:
    """The input as a file that can be read again, refused past MAX_INPUT bytes (an endless
    stream must not fill the disk) and, on stdin, after STDIN_TIMEOUT seconds without data (a
    stalled sender must not hang). Stdin and pipes are spooled to a temporary file only this
    user can read (mode 0600, removed when closed), never held in memory."""
    if file != "-":
        try:
            handle = open(file, "rb")  # noqa: SIM115  # the caller closes it
        except OSError as exc:
            raise BadInput(f"cannot read {file}: {exc.strerror}") from None
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode):  # a pipe (`<(…)`): read once, so spooled like stdin
            with handle:
                return _spool(handle, file)
        if info.st_size > MAX_INPUT:
            handle.close()
            raise BadInput(f"{file} is {info.st_size:,} bytes, over the limit of {MAX_INPUT:,} (THIDUA_MAX_INPUT)")
        return handle
    return _spool(sys.stdin.buffer, "stdin")


def _spool(stream, name: str) -> BinaryIO:
    spool = tempfile.TemporaryFile()  # noqa: SIM115  # created 0600, unlinked; the caller closes it
    total = 0
    fileno = _fileno(stream)
    try:
        while True:
            if fileno is not None and not select.select([fileno], [], [], STDIN_TIMEOUT)[0]:
                raise BadInput(
                    f"{name} sent nothing for {STDIN_TIMEOUT:g} s; nothing was appended (THIDUA_STDIN_TIMEOUT)"
                )
            chunk = os.read(fileno, 1 << 20) if fileno is not None else stream.read(1 << 20)
            if not chunk:
                spool.seek(0)
                return spool
            total += len(chunk)
            if total > MAX_INPUT:
                raise BadInput(
                    f"{name} is over the limit of {MAX_INPUT:,} bytes (THIDUA_MAX_INPUT); nothing was appended"
                )
            spool.write(chunk)
    except BaseException:
        spool.close()
        raise


def _count_lines(source: BinaryIO) -> int:
    """Lines in the input, for the progress bar (a last line without a newline counts), in 1 MiB reads."""
    lines, last = 0, b"\n"
    source.seek(0)
    while chunk := source.read(1 << 20):
        lines += chunk.count(b"\n")
        last = chunk[-1:]
    source.seek(0)
    return lines + (last != b"\n")


def _fileno(stream) -> int | None:
    """A real descriptor to wait on, or None (a test's in-memory stdin)."""
    try:
        return stream.fileno()
    except (OSError, ValueError, AttributeError):
        return None


@click.command("log")
@options.province(required=False, help="Only this province.")
@options.period(required=False, help="Only this period.")
@click.option("--type", "event_type", help="Only this event type, e.g. score.self.")
@click.option("--subject", help="Only events naming this unit, person or block.")
@click.option("--since", type=click.IntRange(min=1, max=2**63 - 1), default=1, help="From this log position.")
@options.output_format("table", "jsonl")
@pass_ctx
def log_cmd(
    ctx: Context,
    province: str | None,
    period: str | None,
    event_type: str | None,
    subject: str | None,
    since: int,
    fmt: str,
) -> None:
    """The stored events with position, recorded_at and hash.

    `--format jsonl` prints the event format: it imports again unchanged.

    \b
    Example:
      thidua log --province laichau --type score.provincial
      thidua log --format jsonl > backup.jsonl
    """
    from thidua.cli.render import table
    from thidua.clock import fmt_local
    from thidua.documents.build import export_json
    from thidua.documents.jsonout import jsonl
    from thidua.log.verify import checked_read

    rows = []
    for stored in checked_read(ctx.store, since):  # every row printed is checked against the chain
        r = stored.record
        if (
            (province and r["province"] != province)
            or (period and r["period"] != period)
            or (event_type and stored.type != event_type)
        ):
            continue
        if subject and subject not in _subjects(stored.type, r):
            continue
        if fmt == "jsonl":
            click.echo(jsonl(export_json(stored)))
        else:
            rows.append(
                (
                    stored.position,
                    fmt_local(stored.recorded_at),
                    stored.hash[:12],
                    stored.type,
                    r["province"],
                    r["period"],
                    r["at"][:16].replace("T", " "),
                    _summary(r),
                )
            )
    if fmt == "table":
        click.echo(table(["pos", "recorded", "hash", "type", "province", "period", "at", "what"], rows, right=[0]))


def _subjects(event_type: str, record: dict[str, Any]) -> set[str]:
    from thidua.events import about

    return about(event_type, record).names()


def _summary(record: dict[str, Any]) -> str:
    skip = {"province", "period", "at", "id", "actor", "ref", "note"}
    parts = []
    for key, value in record.items():
        if key in skip:
            continue
        text = (
            value
            if isinstance(value, str)
            else ",".join(value)
            if isinstance(value, list) and all(isinstance(v, str) for v in value)
            else "…"
        )
        parts.append(f"{key}={text}")
    summary = " ".join(parts)
    return summary if len(summary) <= 70 else summary[:69] + "…"


@click.command("demo")
@pass_ctx
def demo_cmd(ctx: Context) -> None:
    """Import the bundled demo events of every installed province and print their standings.

    Safe to run again: demo events carry ids, so a second run appends nothing.

    \b
    Example:
      thidua --db demo.sqlite demo
    """
    from thidua.actors.mode import mode_of
    from thidua.cli import views
    from thidua.intake.importer import import_events

    if mode_of(ctx.new_or_existing_store) != "open":
        raise Usage("the demo writes as the one operator of an open store; this store is enforcing")
    for key in sorted(ctx.plugins.provinces):
        province = ctx.plugins.provinces[key]
        for demo in province.demo:
            outcome = import_events(ctx.new_or_existing_store, demo.read_bytes(), ctx.plugins)
            if outcome.problems:
                for problem in outcome.problems:
                    click.echo(printable(f"{demo.name}: {problem}"), err=True)
                raise BadInput(f"the demo data of {key} is invalid; nothing was appended")
            click.echo(f"{key}: {demo.name}: appended {outcome.appended}, skipped {outcome.skipped}")
        for period in province.demo_periods:
            decider = decider_for(ctx, key, period, None)
            click.echo()
            if decider.ranks:
                click.echo(views.standings(document_of(decider, "standings"), "table"), nl=False)
            else:
                click.echo(views.eligibility(document_of(decider, "eligibility"), "table"), nl=False)
