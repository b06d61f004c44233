"""Commands that answer from the decisions: `standings`, `explain`, `eligibility`, `plugins`."""

from __future__ import annotations

from typing import Any

import click

from thidua.cli import office, options
from thidua.cli.context import Context, Usage, decider_for, document_of, pass_ctx


@click.command("standings")
@options.province()
@options.period()
@click.option("--block", help="Only this block.")
@options.as_of
@options.fresh
@options.output_format(*options.FORMATS, "xlsx")
@options.output_file()
@options.lang()
@pass_ctx
def standings_cmd(
    ctx: Context,
    province: str,
    period: str,
    block: str | None,
    as_of: str | None,
    fresh: bool,
    fmt: str,
    output: str | None,
    lang: str,
) -> None:
    """Ranked units per block with totals, eligibility and award proposals.

    \b
    Example:
      thidua standings --province laichau --period 2020
      thidua standings --province laichau --period 2020 --as-of 2020-12-20 --format json
    """
    data = standings_document(ctx, province, period, block, as_of, fmt in ("json", "xlsx"), fresh)
    office.emit(ctx, "standings", data, fmt, output, lang)


def standings_document(
    ctx: Context,
    province: str,
    period: str,
    block: str | None,
    as_of: str | None,
    quiet: bool = True,
    fresh: bool = False,
) -> dict[str, Any]:
    """The standings document (one block's, with `block`): what `standings` and the service print."""
    data = document_of(decider_for(ctx, province, period, as_of, quiet=quiet, fresh=fresh), "standings")
    if block:
        data["blocks"] = [b for b in data["blocks"] if b["block"] == block]
        if not data["blocks"]:
            raise Usage(f"--block {block!r}: no such block in {province} {period}")
    return data


@click.command("explain")
@options.province()
@options.period()
@click.option("--unit", help="The unit to explain.")
@click.option("--person", help="The person to explain.")
@options.as_of
@options.fresh
@options.output_format(*options.FORMATS, "xlsx")
@options.output_file()
@options.lang()
@pass_ctx
def explain_cmd(
    ctx: Context,
    province: str,
    period: str,
    unit: str | None,
    person: str | None,
    as_of: str | None,
    fresh: bool,
    fmt: str,
    output: str | None,
    lang: str,
) -> None:
    """Every point, cap, exclusion and award of one unit or person, with rule ids and events.

    \b
    Example:
      thidua explain --province laichau --period 2020 --unit LDLD_SIN_HO
    """
    data = explain_document(ctx, province, period, unit, person, as_of, fmt in ("json", "xlsx"), fresh)
    office.emit(ctx, "explain_candidate" if is_candidate(data) else "explain", data, fmt, output, lang)


def explain_document(
    ctx: Context,
    province: str,
    period: str,
    unit: str | None,
    person: str | None,
    as_of: str | None,
    quiet: bool = True,
    fresh: bool = False,
) -> dict[str, Any]:
    """One subject's explanation document: what `explain` and the service print."""
    if bool(unit) == bool(person):
        raise Usage("give exactly one of --unit or --person")
    decider = decider_for(ctx, province, period, as_of, quiet=quiet, fresh=fresh)
    when = f" as of {decider.head['as_of']}" if decider.head["as_of"] else ""
    candidate = decider.selects or person
    data = document_of(decider, "explain", unit=unit, person=person)
    if data is None:
        kind, subject = ("person", person) if person else ("unit", unit)
        what = "no such candidate in" if candidate else "not a member of any block of"
        raise Usage(f"--{kind} {subject!r}: {what} {province} {period}{when}")
    return data


def is_candidate(data: dict[str, Any]) -> bool:
    """A candidate's explanation (levels and objects) rather than a ranked unit's."""
    return "levels" in data


@click.command("eligibility")
@options.province(help="Plugin key, e.g. hcm_q1.")
@options.period()
@options.as_of
@options.fresh
@options.output_format(*options.FORMATS, "xlsx")
@options.output_file()
@options.lang()
@pass_ctx
def eligibility_cmd(
    ctx: Context,
    province: str,
    period: str,
    as_of: str | None,
    fresh: bool,
    fmt: str,
    output: str | None,
    lang: str,
) -> None:
    """Candidates (units and persons) with the levels and objects they qualify for.

    Listed by priority: eligible first, then the plan's preferred groups, the highest level first.

    \b
    Example:
      thidua eligibility --province hcm_q1 --period 2015-2019
      thidua explain --province hcm_q1 --period 2015-2019 --person P_LAN
    """
    data = eligibility_document(ctx, province, period, as_of, fmt in ("json", "xlsx"), fresh)
    office.emit(ctx, "eligibility", data, fmt, output, lang)


def eligibility_document(
    ctx: Context, province: str, period: str, as_of: str | None, quiet: bool = True, fresh: bool = False
) -> dict[str, Any]:
    return document_of(decider_for(ctx, province, period, as_of, quiet=quiet, fresh=fresh), "eligibility")


@click.command("plugins")
@options.output_format("table", "json")
@pass_ctx
def plugins_cmd(ctx: Context, fmt: str) -> None:
    """Installed province plugins, their versions and rule-set versions.

    \b
    Example:
      thidua plugins
    """
    from thidua.documents.jsonout import to_json

    document = plugins_document(ctx)
    if fmt == "json":
        click.echo(to_json(document))
        return
    show_plugins(document)


def show_plugins(document: dict[str, Any]) -> None:
    """The `plugins` table of a plugins document."""
    from thidua.cli.render import table

    rows = []
    for e in document["plugins"]:
        for i, r in enumerate(e["rulesets"]):
            rows.append(
                (
                    e["province"] if i == 0 else "",
                    e["name"] if i == 0 else "",
                    e["version"] if i == 0 else "",
                    r["version"],
                    r["document"],
                    f"{r['in_force_from']} → {r['in_force_to'] or 'in force'}",
                )
            )
    click.echo(table(["province", "name", "plugin", "rule set", "document", "in force"], rows))
    for line in document["refused"]:
        click.echo(f"refused: {line}")


def plugins_document(ctx: Context) -> dict[str, Any]:
    plugins = ctx.plugins
    entries: list[dict[str, Any]] = []
    for key in sorted(plugins.provinces):
        p = plugins.provinces[key]
        entries.append(
            {
                "province": key,
                "name": p.name,
                "version": p.version,
                "distribution": plugins.distributions[key],
                "rulesets": [r.as_json() | {"document": r.document} for r in p.rulesets],
            }
        )
    return {"plugins": entries, "refused": plugins.refused}
