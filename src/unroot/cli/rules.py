"""``unroot rules [ID]``: list every rule, or explain one."""

from __future__ import annotations

import sys

import click

from unroot.errors import UsageError


@click.command()
@click.argument("rule_id", required=False, metavar="[ID]")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="Output format.",
)
def rules(rule_id: str | None, fmt: str) -> None:
    """List the rules, or explain rule ID (e.g. UR101): why it matters and how to fix it."""
    from unroot.report.catalog import all_descriptors, describe
    from unroot.report.rules_doc import explain_text, rule_dict, rules_table

    if rule_id is None:
        selected = all_descriptors()
    else:
        rule = describe(rule_id.strip())
        if rule is None:
            raise UsageError(f"unknown rule {rule_id!r}; 'unroot rules' lists them")
        selected = [rule]
    if fmt == "json":
        import orjson

        data = [rule_dict(r) for r in selected]
        out = data[0] if rule_id is not None else data
        sys.stdout.write(orjson.dumps(out, option=orjson.OPT_INDENT_2).decode() + "\n")
        return
    from rich.console import Console

    terminal = sys.stdout.isatty()
    console = Console(highlight=False, width=None if terminal else 120)
    if rule_id is None:
        console.print(rules_table(selected))
    else:
        for part in explain_text(selected[0], width=min(console.width, 100)):
            console.print(part)
