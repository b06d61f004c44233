"""Office commands: `sheet` (a block's scoring sheet to fill in) and `report` (the printable
document), plus the helpers `import`, `standings`, `eligibility` and `explain` use for
`.xlsx` input, `--format xlsx --output FILE` and `--lang`. Registered on the `thidua` group by cli/main.py."""

from __future__ import annotations

import os
import tempfile
from datetime import date
from pathlib import Path
from typing import Any

import click

from thidua.cli import options
from thidua.cli.context import BadInput, Context, Usage, decider_for, document_of, pass_ctx

OUTPUT = click.Path(dir_okay=False, path_type=Path)


def write_output(path: Path, data: bytes) -> None:
    """Write a whole file or nothing: a temporary file beside it, renamed into place."""
    folder = path.parent if str(path.parent) else Path(".")
    try:
        handle, tmp = tempfile.mkstemp(dir=folder, prefix=f".{path.name}.", suffix=".part")
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.replace(tmp, path)
    except OSError as exc:
        raise BadInput(f"cannot write {path}: {exc.strerror}") from None


def emit(ctx: Context, what: str, data: dict[str, Any], fmt: str, output: str | None, lang: str) -> None:
    """A decision document in a format, to stdout or --output (xlsx: a workbook, --output required)."""
    from thidua.cli import views

    if fmt == "xlsx":
        export_xlsx(ctx, what, data, output, lang)
        return
    names = None if fmt == "json" else names_of(ctx, data["province"])  # JSON prints keys, never names
    text = getattr(views, what)(data, fmt, lang=lang, names=names)
    if output:
        write_output(Path(output), text.encode("utf-8"))
    else:
        click.echo(text, nl=False)


def names_of(ctx: Context, province: str):
    from thidua.office.lang import province_names

    return province_names(ctx.plugins_with(province), province)


def export_xlsx(ctx: Context, what: str, data: dict[str, Any], output: str | None, lang: str) -> None:
    """`--format xlsx --output FILE`: the document as a workbook."""
    from thidua.office import xlsx

    if not output:
        raise Usage("--format xlsx needs --output FILE.xlsx (a workbook is not printed to a terminal)")
    rules = ctx.ruleset(data["province"], data["period"])
    maker = {"standings": xlsx.standings, "eligibility": xlsx.eligibility}.get(what, xlsx.explain)
    write_output(Path(output), maker(data, rules, names_of(ctx, data["province"]), lang))
    click.echo(f"wrote {output}")


def _facts(ctx: Context, province: str, period: str, as_of: str | None):
    """The period's facts as known at a moment, and the log position they reflect (through the
    read models' index where the store has them, else by replay)."""
    return decider_for(ctx, province, period, as_of, quiet=True, replayed=True).run


def _day(text: str | None, option: str) -> date | None:
    from thidua.clock import iso_from_dmy, parse_day

    if text is None:
        return None
    try:
        return parse_day(iso_from_dmy(text) or text)
    except ValueError as exc:
        raise Usage(f"{option}: {exc} (or dd/mm/yyyy)") from None


@click.command("sheet")
@options.province(help="Plugin key, e.g. laocai.")
@options.period(help='A year "2021".')
@click.option("--block", required=True, help="The block whose units the sheet is for.")
@options.as_of
@click.option("--date", "day", help="Prefill the scoring date (dd/mm/yyyy); left blank otherwise.")
@options.lang("vi", help="Language of the sheet.")
@click.option("--output", required=True, type=OUTPUT, help="The .xlsx file to write.")
@pass_ctx
def sheet_cmd(
    ctx: Context, province: str, period: str, block: str, as_of: str | None, day: str | None, lang: str, output: Path
) -> None:
    """Write a block's scoring sheet (xlsx) to fill in, one worksheet per unit.

    Read it back with `thidua import FILE.xlsx`: the same checks as a JSONL import, problems as
    `SHEET!CELL: key: reason`, all cells or none.

    \b
    Example:
      thidua sheet --province laocai --period 2021 --block KHOI_TONG_HOP --output khoi-2021.xlsx
      thidua import khoi-2021.xlsx
    """
    from thidua.office.lang import province_names
    from thidua.office.sheet import SheetError, write_sheet

    rules = ctx.ruleset(province, period)
    replayed = _facts(ctx, province, period, as_of)
    names = province_names(ctx.plugins, province)
    try:
        data = write_sheet(
            replayed.facts,
            rules,
            names,
            ctx.province(province).name,
            block,
            replayed.position,
            lang,
            _day(day, "--date"),
        )
    except SheetError as exc:
        raise Usage(str(exc)) from None
    write_output(output, data)
    units = len(replayed.facts.members(block))
    click.echo(f"wrote {output}: scoring sheet of {block} ({units} unit(s)), {province} {period}")


def import_sheet(
    ctx: Context, store: Any, name: str, data: bytes, progress: Any, signer: Any = None
) -> tuple[int, int, list[str]]:
    """An xlsx scoring sheet through the one import path: its cells become JSONL lines, and each
    problem names the cell behind its line. Returns (appended, skipped, problems)."""
    from thidua.intake.importer import import_events
    from thidua.office.sheetin import read_sheet

    sheet = read_sheet(data, name)
    if sheet.problems:
        return 0, 0, [str(p) for p in sheet.problems]
    outcome = import_events(store, sheet.data, ctx.plugins, progress, signer)
    problems = []
    for p in outcome.problems:
        reason = p.reason
        if p.key == "id" and "already stored" in reason:
            reason = (
                "this cell was imported before with another value or date; each cell of a sheet is recorded "
                "once: make a new sheet (thidua sheet) for a correction"
            )
        problems.append(f"{sheet.where(p.line, p.key)}: {p.key}: {reason}")
    return outcome.appended, outcome.skipped, problems


@click.command("report")
@options.province()
@options.period()
@click.option("--block", help="Only this block.")
@options.as_of
@options.lang("vi", help="Language of the document.")
@click.option("--date", "day", help="The document's date (dd/mm/yyyy); default: the day of the period's last event.")
@click.option("--number", "doc_number", default="", help='The document number, e.g. "15/BC-KTĐ".')
@click.option("--output", required=True, type=OUTPUT, help="FILE.pdf or FILE.html.")
@pass_ctx
def report_cmd(
    ctx: Context,
    province: str,
    period: str,
    block: str | None,
    as_of: str | None,
    lang: str,
    day: str | None,
    doc_number: str,
    output: Path,
) -> None:
    """Write the printable result of the period (A4, Decree 30/2020 layout) as PDF or HTML.

    The motto header, issuer, place and date, the ranked table with an SVG chart of totals, the
    award proposals and exclusions with their rule ids, the signature block. The same log position
    gives the same file, byte for byte.

    \b
    Example:
      thidua report --province laichau --period 2020 --output laichau-2020.pdf
      thidua report --province hcm_q1 --period 2015-2019 --output q1.html
    """
    from thidua.office.lang import province_names
    from thidua.office.report import ReportError, document_date, render_html, render_pdf

    suffix = output.suffix.lower()
    if suffix not in (".pdf", ".html", ".htm"):
        raise Usage(f"--output {output}: the name must end in .pdf or .html")
    rules = ctx.ruleset(province, period)
    decider = decider_for(ctx, province, period, as_of, quiet=True, replayed=True)
    what = "standings" if decider.ranks else "eligibility"
    data = document_of(decider, what)
    if block:
        if what != "standings":
            raise Usage(f"--block: {province} selects candidates, it has no blocks")
        data["blocks"] = [b for b in data["blocks"] if b["block"] == block]
        if not data["blocks"]:
            raise Usage(f"--block {block!r}: no such block in {province} {period}")
    facts = decider.run.facts
    on = document_date(data, facts, _day(day, "--date"))
    html = render_html(data, facts, rules, province_names(ctx.plugins, province), lang, on, doc_number)
    if suffix == ".pdf":
        try:
            payload = render_pdf(html, on)
        except ReportError as exc:
            raise click.ClickException(str(exc)) from None
    else:
        payload = html.encode("utf-8")
    write_output(output, payload)
    click.echo(f"wrote {output}: {what} of {province} {period}")
