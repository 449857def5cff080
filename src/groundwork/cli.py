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

from groundwork.stacks.config import ConfigError

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
    from groundwork.stacks.loader import PROJECT_DIR

    cwd = Path.cwd()
    return cwd if (cwd / "Pulumi.yaml").is_file() else PROJECT_DIR


def run_plan(stack: str):  # -> PlanResult
    """Plan a stack offline, turning config and program errors into clean exits."""
    from groundwork.engine import ProgramError, plan_stack
    from groundwork.stacks.loader import environment_from_file

    try:
        environment_from_file(stack, project_dir())  # config + subnet lock fail here, as config
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
    lock_subnets: bool = typer.Option(
        False, "--lock-subnets", help="Write stacks/subnets/<stack>.json from this plan (append-only)."),
    allow_subnet_moves: bool = typer.Option(
        False, "--allow-subnet-moves", help="With --lock-subnets: rewrite entries that would move."),
) -> None:
    """Plan a stack offline: run the real program under mocks and summarise what it registers."""
    from groundwork import cost, report
    from groundwork.engine import write_json

    if lock_subnets or allow_subnet_moves:
        _lock_subnets(stack, lock_subnets, allow_subnet_moves)
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
    _subnet_lock_note(stack, result.config)
    sources, matrix = report.security_group_matrix(result)
    if matrix:
        console.print(_table("Security groups: ingress (rows: group, columns: from)",
                             ["group", *sources],
                             [[g, *[row.get(s, "") for s in sources]] for g, row in matrix.items()]))
    console.print(_table("Resources by component", ["component", "type", "count"],
                         [[c, t_, str(n)] for c, t_, n in report.resources_by_component(result)]))
    console.print(_table("Totals", ["what", "count"], [[k, str(v)] for k, v in t.items()]))
    console.print(cost.summary_line(result), highlight=False)
    policy = _policy_summary(result)
    if json_path:
        write_json(result, json_path)
        console.print(f"wrote {len(result.resources)} records to {json_path}")
    if markdown_path:
        markdown_path.parent.mkdir(parents=True, exist_ok=True)
        markdown_path.write_text(report.markdown(result, extra_sections=_policy_sections(policy)))
        console.print(f"wrote the report to {markdown_path}")


def _lock_subnets(stack: str, lock: bool, allow_moves: bool) -> None:
    """`plan --lock-subnets`: write the lock before the plan runs (so accepted moves pass)."""
    from groundwork.stacks import subnet_lock
    from groundwork.stacks.config import load_environment
    from groundwork.stacks.loader import read_stack_file

    try:
        if not lock:
            raise ConfigError(["--allow-subnet-moves only works with --lock-subnets"], stack)
        sf = read_stack_file(stack, project_dir())
        env = load_environment(sf.namespace, stack=stack, region=sf.region)
        done = subnet_lock.relock(env, project_dir(), allow_moves=allow_moves)
    except ConfigError as error:
        fail_config(error)
    for move in done.moved:
        err_console.print(f"[bold red]MOVING[/] {move.split('; ')[0]}", highlight=False, soft_wrap=True)
    shown = _shown_path(done.path)
    if done.moved:
        err_console.print(f"[bold red]warning:[/] rewrote {shown} accepting {len(done.moved)} "
                          "move(s): the next `pulumi up` replaces those subnets and everything in "
                          "them", highlight=False, soft_wrap=True)
    elif not done.written:
        console.print(f"Subnet lock {shown}: unchanged, it already matches the plan",
                      highlight=False, markup=False)
    else:
        verb = "created" if done.created else "updated"
        console.print(f"Subnet lock {shown}: {verb}, {len(done.added)} subnet(s) added; commit it",
                      highlight=False, markup=False)


def _subnet_lock_note(stack: str, env) -> None:  # env: stacks.config.EnvironmentConfig
    """One line under the subnet plan: the lock's state and any subnets it doesn't know yet."""
    from groundwork.stacks import subnet_lock

    path = subnet_lock.lock_path(project_dir(), stack)
    lock = subnet_lock.read_lock(path, stack)  # readable: run_plan already checked it
    shown = _shown_path(path)
    if lock is None:
        console.print(f"Subnet lock: none ({shown}), so subnet moves are not checked; create it "
                      f"with 'groundwork plan {stack} --lock-subnets'", highlight=False, markup=False)
        return
    _, added = subnet_lock.compare(lock, env.network.plan(env.region))
    if added:
        console.print(f"Subnet lock {shown}: no moves; {len(added)} new subnet(s) not locked yet: "
                      f"{', '.join(added)}; re-lock with 'groundwork plan {stack} --lock-subnets'",
                      highlight=False, markup=False, soft_wrap=True)
    else:
        console.print(f"Subnet lock {shown}: all {len(lock['subnets'])} subnets match",
                      highlight=False, markup=False)


def _shown_path(path: Path) -> str:
    try:
        return str(path.relative_to(project_dir()))
    except ValueError:
        return str(path)


@app.command("cost")
def cost_command(
    stack: str = typer.Argument(..., help="Stack name: dev, prod, or any Pulumi.<stack>.yaml."),
    nat_gb: float = typer.Option(100.0, help="GB processed per NAT gateway per month."),
    alb_lcu: float = typer.Option(1.0, help="Average LCUs per load balancer."),
    log_gb: float = typer.Option(1.0, help="GB ingested per log group per month."),
    json_path: Path | None = typer.Option(None, "--json", help="Write the itemised estimate here."),
) -> None:
    """Monthly cost estimate of a stack from its offline plan, at on-demand list prices."""
    import json

    from groundwork import cost

    result = run_plan(stack)
    try:
        est = cost.estimate(result, cost.Assumptions(nat_gb_per_gateway=nat_gb, alb_lcu=alb_lcu,
                                                     log_gb_per_group=log_gb))
    except cost.PriceError as exc:
        fail_config(ConfigError([f"aws:region: {exc}"], stack))
    for renderable in cost.render(est):
        console.print(renderable, highlight=False)
    console.print(f"Total: [bold]{cost.money(est.total)}[/] per month for stack {stack}",
                  highlight=False)
    if json_path:
        json_path.parent.mkdir(parents=True, exist_ok=True)
        json_path.write_text(json.dumps(est.to_json(), indent=2) + "\n")


@app.command()
def verify(
    stack: str = typer.Argument(..., help="Stack name: dev, prod, or any Pulumi.<stack>.yaml."),
    outputs: Path | None = typer.Option(
        None, "--outputs", help="Stack outputs JSON (default: `pulumi stack output --json`)."),
    base_url: str | None = typer.Option(
        None, "--base-url", help="URL the smoke test uses (default: the certificate domain, else the ALB)."),
    wait: float = typer.Option(0, "--wait", help="Re-run failing checks for up to this many seconds."),
) -> None:
    """After `pulumi up`: check the live environment (ECS, targets, RDS, cache, alarms, HTTP) with
    boto3. PASS/FAIL per check; exit 1 on any failure, 2 on a bad config or unreadable outputs."""
    from groundwork import verify as checks
    from groundwork.stacks.config import load_environment
    from groundwork.stacks.loader import read_stack_file

    try:
        sf = read_stack_file(stack, project_dir())
        env = load_environment(sf.namespace, stack=stack, region=sf.region)
        stack_outputs = checks.read_outputs(stack, outputs)
    except ConfigError as error:
        fail_config(error)
    except checks.OutputsError as exc:
        err_console.print(f"[bold red]error:[/] {exc}", highlight=False)
        raise typer.Exit(EXIT_CONFIG) from None
    verifier = checks.Verifier(stack_outputs, checks.Expectations.from_config(env), base_url=base_url)
    results = checks.verify(verifier, wait_seconds=wait)
    console.print(checks.render(stack, results))
    failures = checks.failed(results)
    if failures:
        console.print(f"[bold red]FAILED[/]: {', '.join(sorted({r.check for r in failures}))}",
                      highlight=False)
        raise typer.Exit(EXIT_PROGRAM)
    console.print("[bold green]PASSED[/]", highlight=False)


@app.command("bootstrap-state")
def bootstrap_state(
    bucket: str = typer.Option(..., "--bucket", help="S3 bucket for Pulumi state (created if missing)."),
    region: str = typer.Option(..., "--region", help="AWS region of the bucket and key."),
    kms_alias: str = typer.Option("alias/pulumi-groundwork", "--kms-alias",
                                  help="Alias of the KMS key for state and `awskms://` secrets."),
    adopt: bool = typer.Option(False, "--adopt", help="Take over a bucket or key groundwork didn't create."),
    noncurrent_days: int = typer.Option(90, "--noncurrent-days",
                                        help="Days old state versions are kept."),
) -> None:
    """Create (idempotently) the state bucket and secrets key, then print the `pulumi login` and
    `--secrets-provider` lines. Talks to AWS with your current credentials."""
    from groundwork import bootstrap

    try:
        result = bootstrap.bootstrap_state(bucket, region, kms_alias=kms_alias, adopt=adopt,
                                           noncurrent_days=noncurrent_days)
    except ValueError as exc:
        fail_config(ConfigError(str(exc).splitlines()))
    except bootstrap.BootstrapError as exc:
        err_console.print(f"[bold red]refused:[/] {exc}", highlight=False)
        raise typer.Exit(EXIT_PROGRAM) from None
    for step in result.steps + [f"adopted {what}" for what in result.adopted]:
        console.print(f"  - {step}", highlight=False, markup=False)
    console.print("Use it:", highlight=False)
    console.print(f"  {result.login_command}", highlight=False, markup=False, soft_wrap=True)
    console.print(f"  {result.stack_init_command()}", highlight=False, markup=False, soft_wrap=True)
    console.print(f"  (existing stack: pulumi stack change-secrets-provider "
                  f"'awskms://{result.alias}?region={result.region}')", highlight=False, markup=False,
                  soft_wrap=True)


# --- policy: groundwork check, and the plan's policy summary --------------------------------

EXIT_POLICY = 1
"""`groundwork check`: a mandatory policy violation."""


def _fail_policy_config(error) -> None:  # error: groundwork.check.PolicyConfigError
    where = f" {error.path}" if error.path else ""
    err_console.print(f"[bold red]error:[/] invalid policy config{where}", highlight=False)
    for problem in error.problems:
        err_console.print(f"  - {problem}", highlight=False, markup=False, soft_wrap=True)
    raise typer.Exit(EXIT_CONFIG)


def _policy_summary(result):  # -> groundwork.check.CheckResult | None
    """The plan's policy line and a table of the rules that fired (the plan still succeeds)."""
    from groundwork.check import PolicyConfigError, check_plan

    try:
        checked = check_plan(result, project_dir=project_dir())
    except PolicyConfigError as error:
        err_console.print(f"warning: policy not checked: {error}", highlight=False, markup=False)
        return None
    console.print(f"Policy ({checked.config_path.name}): {checked.summary()}. Details: groundwork "
                  f"check {result.stack}", highlight=False, markup=False)
    if checked.violations:
        console.print(_table("Policy violations", ["rule", "control", "level", "count"],
                             [[name, found[0].control, found[0].level, str(len(found))]
                              for name, found in checked.by_rule().items()]))
    return checked


def _policy_sections(checked) -> list[tuple[str, str]]:
    from groundwork.check import markdown_section

    return [("Policy", markdown_section(checked))] if checked is not None else []


@app.command()
def check(
    stack: str = typer.Argument(..., help="Stack name: dev, prod, or any Pulumi.<stack>.yaml."),
    policy_config: Path | None = typer.Option(
        None, "--policy-config",
        help="Policy config JSON (default: policies/config/<stack>.json, else the profile's)."),
) -> None:
    """Run the policy pack offline over the stack's plan: violations grouped by rule; exit 1 on
    any mandatory one (2 on a bad stack or policy config)."""
    from groundwork.check import PolicyConfigError, check_plan, report_lines

    result = run_plan(stack)
    try:
        checked = check_plan(result, policy_config, project_dir())
    except PolicyConfigError as error:
        _fail_policy_config(error)
    console.print(f"[bold]groundwork check[/] stack [cyan]{stack}[/] with {checked.config_path}: "
                  f"{checked.summary()}. Offline under Pulumi mocks.", highlight=False)
    for line in report_lines(checked):
        console.print(line, highlight=False, markup=False, soft_wrap=True)
    if not checked.passed:
        console.print(f"[bold red]FAILED[/]: {len(checked.mandatory)} mandatory violation(s)",
                      highlight=False)
        raise typer.Exit(EXIT_POLICY)
    console.print("[bold green]PASSED[/]: no mandatory violation", highlight=False)


def main() -> None:  # pragma: no cover - console-script shim
    sys.exit(app())


if __name__ == "__main__":  # pragma: no cover
    main()
