"""`thidua serve`: the store named by --db over HTTP (CONTRACT.md §3, "The service")."""

from __future__ import annotations

import os
from pathlib import Path

import click

from thidua.cli.context import Context, Usage, pass_ctx


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True)
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    default=1,
    show_default=True,
    help="Server processes; several suit PostgreSQL and a busy SQLite store.",
)
@click.option(
    "--public", is_flag=True, help="Standings, rules and the log's verification open to everyone (công khai)."
)
@click.option(
    "--keys",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    help="Folder of ACTOR.pub Ed25519 keys: requests must be signed by one of them (an enforcing service).",
)
@pass_ctx
def serve_cmd(ctx: Context, host: str, port: int, workers: int, public: bool, keys: Path | None) -> None:
    """Serve the store over HTTP: the /v1 API (OpenAPI at /openapi.json) and pages in Vietnamese at /.

    Without --keys the store is *open*: anyone who reaches the port may read and write, and every
    page says so. Persons' discipline records are never on the pages.

    \b
    Example:
      thidua --db demo.sqlite serve --port 8000
      thidua --db demo.sqlite serve --host 0.0.0.0 --workers 4 --public --keys actors/
    """
    import uvicorn

    from thidua.service.state import Settings

    ctx.new_or_existing_store.head()  # a store that cannot be opened is refused here, once, not per request
    if ctx.db == ":memory:" and workers > 1:
        raise Usage("--db ':memory:' lives in one process: serve it with --workers 1")
    settings = Settings(ctx.db if ctx.db == ":memory:" else os.path.abspath(ctx.db) if "://" not in ctx.db else ctx.db)
    settings.public, settings.keys = public, keys.resolve() if keys else None
    os.environ.update(settings.env())
    kind = "enforcing (signed requests)" if keys else "OPEN (no actors: anyone may read and write)"
    click.echo(f"thidua: serving {ctx.db} at http://{host}:{port}/ — store {kind}", err=True)
    uvicorn.run(
        "thidua.service.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="warning",
        access_log=False,
    )
