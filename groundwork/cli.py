"""The `groundwork` command line.

    groundwork plan <stack> [--json PATH] [--markdown PATH]

Every command validates the stack's config first: a bad key prints one line per problem and exits
2, with no traceback and before any resource is registered.
"""

from __future__ import annotations

import sys
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from stacks.config import ConfigError

app = typer.Typer(
    name="groundwork",
    help="Plan, check, cost and verify groundwork environments (offline unless stated).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console()
err_console = Console(stderr=True)



@app.callback()
def _main() -> None:
    """groundwork: a production AWS baseline for containerized web apps, as Pulumi components."""


EXIT_CONFIG = 2
EXIT_PROGRAM = 1


def fail_config(error: ConfigError) -> None:
    """Print a ConfigError as one line per problem and exit 2."""
    stack = f" for stack '{error.stack}'" if error.stack else ""
    err_console.print(f"[bold red]error:[/] invalid config{stack}", highlight=False)
    for problem in error.problems:
        err_console.print(f"  - {problem}", highlight=False, markup=False, soft_wrap=True)
    raise typer.Exit(EXIT_CONFIG)


def project_dir() -> Path:
    """The Pulumi project to read stack files from: the current directory when it holds a
    Pulumi.yaml (so users can keep their own stack files), else groundwork's own."""
    from stacks.loader import PROJECT_DIR

    cwd = Path.cwd()
    return cwd if (cwd / "Pulumi.yaml").is_file() else PROJECT_DIR


def run_plan(stack: str):  # -> PlanResult
    """Plan a stack offline, turning config and program errors into clean exits."""
    from groundwork.engine import ProgramError, plan_stack

    try:
        return plan_stack(stack, project_dir=project_dir())
    except ConfigError as error:
        fail_config(error)
    except ProgramError as error:
        err_console.print(f"[bold red]error:[/] the program failed: {error}", highlight=False)
        raise typer.Exit(EXIT_PROGRAM) from None


def _table(title: str, columns: list[str], rows: list[list[str]]) -> Table:
    table = Table(title=title, title_justify="left", header_style="bold")
    for col in columns:
        table.add_column(col)
    for row in rows:
        table.add_row(*[str(c) for c in row])
    return table


@app.command()
def plan(
    stack: str = typer.Argument(..., help="Stack name: dev, prod, or any Pulumi.<stack>.yaml."),
    json_path: Path | None = typer.Option(None, "--json", help="Write every resource record here."),
    markdown_path: Path | None = typer.Option(None, "--markdown", help="Write a GitHub report here."),
) -> None:
    """Plan a stack offline: run the real program under mocks and summarise what it registers."""
    from groundwork import report
    from groundwork.engine import write_json

    result = run_plan(stack)
    t = report.totals(result)
    env = result.config
    console.print(
        f"[bold]groundwork plan[/] stack [cyan]{stack}[/] (profile {env.profile.value}, region "
        f"{env.region}): [bold]{t['resources']}[/] resources in {t['components']} components, "
        f"{t['protected']} protected. Offline under Pulumi mocks; no pulumi preview was run.",
        highlight=False,
    )
    console.print(_table("Subnet plan", ["tier", "routing", "AZ", "CIDR"],
                         [list(r.values()) for r in report.subnet_rows(result)]))
    sources, matrix = report.security_group_matrix(result)
    if matrix:
        console.print(_table("Security groups: ingress (rows: group, columns: from)",
                             ["group", *sources],
                             [[g, *[row.get(s, "") for s in sources]] for g, row in matrix.items()]))
    console.print(_table("Resources by component", ["component", "type", "count"],
                         [[c, t_, str(n)] for c, t_, n in report.resources_by_component(result)]))
    console.print(_table("Totals", ["what", "count"], [[k, str(v)] for k, v in t.items()]))
    if json_path:
        write_json(result, json_path)
        console.print(f"wrote {len(result.resources)} records to {json_path}")
    if markdown_path:
        markdown_path.parent.mkdir(parents=True, exist_ok=True)
        markdown_path.write_text(report.markdown(result))
        console.print(f"wrote the report to {markdown_path}")


def main() -> None:  # pragma: no cover - console-script shim
    sys.exit(app())


if __name__ == "__main__":  # pragma: no cover
    main()
