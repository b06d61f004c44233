"""`thidua [--db URL] COMMAND …` — see CONTRACT.md §2.

The group and its global options live here; each command lives in the module of its kind and is
registered below, so no command module imports this one. Heavy modules load inside the
commands, so that `thidua --help` stays fast.
"""

from __future__ import annotations

import sys
from typing import Any

import click

from thidua.cli import actors, audit, kit, office, options, queries, records, serve, upkeep
from thidua.cli.context import Busy, Context, Integrity
from thidua.log.signals import forget_caught_interrupts, held, terminate_as_interrupt


class Thidua(click.Group):
    """The `thidua` group. With `--db http(s)://…` each command is answered by the service there;
    an integrity failure found anywhere (`Tampered`: the log or a read model disagrees with the
    hash chain) is one line and exit 3, never a traceback."""

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        command = super().get_command(ctx, cmd_name)
        db = ctx.params.get("db")
        if command is not None and isinstance(db, str) and db.startswith(("http://", "https://")):
            from thidua.cli.remote import twin

            return twin(command)
        return command

    def invoke(self, ctx: click.Context) -> Any:
        """An altered store is exit 3; contention is never bad input: a store kept busy past
        `--wait` is exit 4, wherever it shows."""
        with held():
            # orjson's compiled module crashes the process (SIGSEGV) if an interrupt lands while it
            # sets itself up: loaded here, before the store needs it, with interrupts held. One that
            # came meanwhile is an ordinary KeyboardInterrupt just after (exit 130, see `main`).
            import orjson  # noqa: F401
        from thidua.log.rows import StoreBusy
        from thidua.log.verify import Tampered

        try:
            return super().invoke(ctx)
        except Tampered as exc:
            raise Integrity(str(exc)) from None
        except StoreBusy as exc:
            raise Busy(str(exc)) from None


@click.group(cls=Thidua, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option(
    "--db",
    envvar="THIDUA_DB",
    default="thidua.sqlite",
    show_default=True,
    help="SQLite file path, ':memory:', a postgresql:// URL, or the http:// URL of a `thidua serve` (also THIDUA_DB).",
)
@options.wait(default=60.0)
@click.version_option(package_name="thidua", prog_name="thidua")
@click.pass_context
def cli(ctx: click.Context, db: str, wait: float) -> None:
    """thidua: an event-sourced log of emulation and commendation work (thi đua – khen thưởng),
    replayed by province plugins into rankings, eligibility and award decisions.

    \b
    Example:
      thidua --db demo.sqlite demo
      thidua --db demo.sqlite standings --province laichau --period 2020
    """
    ctx.obj = Context(db, wait)
    ctx.call_on_close(ctx.obj.close)


COMMANDS = (
    records.import_cmd,
    records.log_cmd,
    records.demo_cmd,
    queries.standings_cmd,
    queries.explain_cmd,
    queries.eligibility_cmd,
    queries.plugins_cmd,
    audit.verify_cmd,
    audit.keygen_cmd,
    audit.checkpoint_cmd,
    audit.bundle_cmd,
    audit.diff_cmd,
    audit.rules_group,
    kit.plugin_group,
    upkeep.rebuild_cmd,
    office.sheet_cmd,
    office.report_cmd,
    serve.serve_cmd,
    actors.init_cmd,
    actors.actors_cmd,
)
for command in COMMANDS:
    cli.add_command(command)


def main() -> None:
    """The console script. Ctrl-C and SIGTERM end any command with exit 130 and one line, never
    click's "Aborted!" with exit 1 (which is the bad-input status); an import that was interrupted
    says itself whether its events were stored."""
    terminate_as_interrupt()
    try:
        code = cli.main(prog_name="thidua", standalone_mode=False)
    except (click.exceptions.Abort, KeyboardInterrupt):
        # An append is one transaction and an interrupt is held while it commits: whatever was
        # appended was reported above ("appended N"); nothing else was.
        click.echo("interrupted: nothing was appended", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    finally:
        forget_caught_interrupts()  # else an interrupt caught above may still end the process by SIGINT
    sys.exit(code if isinstance(code, int) else 0)


if __name__ == "__main__":
    main()
