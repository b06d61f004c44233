"""`thidua plugin new`: scaffold a province plugin. Registered on the `thidua` group by cli/main.py."""

from __future__ import annotations

from pathlib import Path

import click

from thidua.cli.context import BadInput, Context, pass_ctx


@click.group("plugin")
def plugin_group() -> None:
    """Tools for writing a province plugin (see docs/adding-a-province.md)."""


@plugin_group.command("new")
@click.argument("key")
@click.option("--name", required=True, help='The province\'s name, e.g. "Quảng Ninh".')
@click.option(
    "--dir",
    "folder",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("."),
    show_default=True,
    help="Where to create the package folder thidua-KEY.",
)
@click.option("--year", type=click.IntRange(1990, 2100), help="The demo year and first rule set (default: this year).")
@click.option("--prefix", help="Rule-id prefix (default: KEY in capitals, e.g. QUANGNINH-SCORE-1).")
@pass_ctx
def plugin_new_cmd(ctx: Context, key: str, name: str, folder: Path, year: int | None, prefix: str | None) -> None:
    """Scaffold an out-of-tree province plugin package thidua-KEY: pyproject with the entry point,
    rules.toml with a citation on every value, the hooks, demo events and tests (with the
    conformance kit). It installs with pip and passes its own tests unchanged.

    \b
    Example:
      thidua plugin new quangninh --name "Quảng Ninh"
      pip install -e './thidua-quangninh[test]' && (cd thidua-quangninh && python -m pytest)
    """
    import unicodedata

    from thidua.kit.scaffold import ScaffoldError, new_plugin

    if not folder.is_dir():
        raise BadInput(f"--dir {folder}: no such folder")
    try:
        target = new_plugin(key, unicodedata.normalize("NFC", name), folder, set(ctx.plugins.provinces), year, prefix)
    except ScaffoldError as exc:
        raise BadInput(str(exc)) from None
    click.echo(
        f"created {target}\n"
        f"next: pip install -e '{target}[test]' && thidua plugins && (cd {target} && python -m pytest)\n"
        f"then replace the rules in {target / ('thidua_' + key) / 'rules.toml'} with your province's document"
    )
