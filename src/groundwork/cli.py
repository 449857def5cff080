"""The `groundwork` command line.

    groundwork plan <stack> [--types] [--json PATH] [--markdown PATH] [--project-dir DIR]
    groundwork check <stack> | cost <stack> | names <stack> [--update]
    groundwork verify <stack> | drill restore <stack> [--store database]   (live AWS)
    groundwork rollback <stack> [--service S] [--to REVISION] [--changed-since T]   (live AWS)

`plan`, `check`, `cost` and `names` run in any Pulumi Python project directory (the current one,
or `--project-dir`): its Pulumi.yaml (name, `main:`), its Pulumi.<stack>.yaml and its program.
groundwork's own project has its config validated first: a bad key prints one line per problem
and exits 2, with no traceback and before any resource is registered. Output is plain text (no
colour, no box characters) when it is not a terminal, and reads at 80 columns.
"""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.text import Text

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


_PROJECT_DIR: list[Path] = []
"""`--project-dir` of the running command, if given."""

PROJECT_DIR_HELP = ("The Pulumi project directory (default: the current directory if it holds a "
                    "Pulumi.yaml, else groundwork's own).")


def _set_project_dir(path: Path | None) -> None:
    _PROJECT_DIR.clear()
    if path is not None:
        if not (path / "Pulumi.yaml").is_file():
            fail_config(ConfigError([f"--project-dir {path}: no Pulumi.yaml there"]))
        _PROJECT_DIR.append(path.resolve())


def project_dir() -> Path:
    """The Pulumi project to plan: `--project-dir`, else the current directory when it holds a
    Pulumi.yaml (any Pulumi Python project, or groundwork's stack files kept elsewhere), else
    groundwork's own."""
    from groundwork.stacks.loader import PROJECT_DIR

    if _PROJECT_DIR:
        return _PROJECT_DIR[0]
    cwd = Path.cwd()
    if (cwd / "Pulumi.yaml").is_file() or not (PROJECT_DIR / "Pulumi.yaml").is_file():
        return cwd  # (an installed groundwork has no project of its own: the error names cwd)
    return PROJECT_DIR


def run_plan(stack: str):  # -> PlanResult
    """Plan a stack offline, turning config and program errors into clean exits."""
    from groundwork.engine import ProgramError, plan_stack
    from groundwork.stacks.loader import environment_from_file, known_stacks, read_project

    where = project_dir()
    try:
        project = read_project(where)
        if project.is_groundwork:
            environment_from_file(stack, where)  # config + subnet lock fail here, as config
        elif project.name == "groundwork-account":  # the account program (stacks/account.py)
            from groundwork.stacks.account import account_from_file

            account_from_file(stack, where)
        elif not (where / f"Pulumi.{stack}.yaml").is_file():
            known = ", ".join(known_stacks(where)) or "none"
            err_console.print(f"warning: no Pulumi.{stack}.yaml in {where}: planning stack "
                              f"{stack} with no stack config (known stacks: {known})",
                              highlight=False, markup=False, soft_wrap=True)
        return plan_stack(stack, project_dir=where)
    except ConfigError as error:
        fail_config(error)
    except ProgramError as error:
        from rich.markup import escape

        err_console.print(f"[bold red]error:[/] the program failed: {escape(str(error))}",
                          highlight=False, soft_wrap=True)
        raise typer.Exit(EXIT_PROGRAM) from None
    except Exception as error:  # the program's own bug: where it is, not the engine's frames
        from rich.markup import escape

        err_console.print(f"[bold red]error:[/] the program failed: {type(error).__name__}: "
                          f"{escape(str(error))}", highlight=False, soft_wrap=True)
        for line in _program_frames(error):
            err_console.print(line, highlight=False, markup=False, soft_wrap=True)
        raise typer.Exit(EXIT_PROGRAM) from None


def _program_frames(error: BaseException) -> list[str]:
    """The traceback lines of the program's own code (and groundwork's components), without
    the Pulumi SDK's, the engine's or the standard library's frames."""
    import traceback

    skip = ("site-packages", "/lib/python", "<frozen", "groundwork/engine.py", "groundwork/cli.py")
    frames = [f for f in traceback.extract_tb(error.__traceback__)
              if not any(part in f.filename for part in skip)]
    return [line.rstrip("\n") for line in traceback.format_list(frames[-8:])]


# --- output: plain text at 80 columns when not a terminal ----------------------------------


class _Out:
    """Prints the plan: headings bold and alerts red on a terminal; plain text otherwise. Tables
    are aligned text (`report.text_table`), never box characters, so a log or a pipe gets
    exactly what a terminal shows minus the colour."""

    def __init__(self, console: Console):
        self.console = console
        self.tty = console.is_terminal

    @property
    def width(self) -> int:
        return max(40, self.console.width)

    def blank(self) -> None:
        self.console.print("")

    def heading(self, text: str) -> None:
        self.line(text, style="bold")

    def line(self, text: str, *, indent: int = 0, style: str | None = None) -> None:
        """A prose line, wrapped at the width (continuation lines indented two more)."""
        wrapped = textwrap.fill(text, width=self.width, initial_indent=" " * indent,
                                subsequent_indent=" " * (indent + 2), break_on_hyphens=False,
                                break_long_words=False)
        self.console.print(wrapped, style=style if self.tty else None, markup=False,
                           highlight=False, soft_wrap=True)

    def markup(self, text: str, *, indent: int = 0) -> None:
        """A line written with rich markup: styled on a terminal, its plain text otherwise."""
        if self.tty:
            self.console.print(" " * indent + text, highlight=False)
        else:
            self.line(Text.from_markup(text).plain, indent=indent)

    def alert(self, text: str, *, indent: int = 0) -> None:
        self.line(text, indent=indent, style="bold red")

    def table(self, columns: list[str], rows: list[list[str]], *, right: set[int] | None = None,
              indent: int = 2) -> None:
        from groundwork import report

        for text in report.text_table(columns, rows, right=right, indent=indent, width=self.width):
            self.console.print(text, markup=False, highlight=False, soft_wrap=True)

    def fits(self, columns: list[str], rows: list[list[str]], indent: int = 2) -> bool:
        from groundwork import report

        lines = report.text_table(columns, rows, indent=indent)
        return max(len(line) for line in lines) <= self.width


@app.command()
def plan(
    stack: str = typer.Argument(..., help="Stack name: dev, prod, or any Pulumi.<stack>.yaml."),
    types: bool = typer.Option(False, "--types", help="Also list the resources by component and type."),
    json_path: Path | None = typer.Option(None, "--json", help="Write every resource record here."),
    markdown_path: Path | None = typer.Option(None, "--markdown", help="Write a GitHub report here."),
    lock_subnets: bool = typer.Option(
        False, "--lock-subnets", help="Write stacks/subnets/<stack>.json from this plan (append-only)."),
    allow_subnet_moves: bool = typer.Option(
        False, "--allow-subnet-moves", help="With --lock-subnets: rewrite entries that would move."),
    project: Path | None = typer.Option(None, "--project-dir", help=PROJECT_DIR_HELP),
) -> None:
    """Plan a stack offline: run the real program under mocks and summarise what it registers:
    components, subnet plan, security groups, policy verdicts, cost and totals. Exits 1 when two
    resources of one type share an AWS name (AWS would refuse the second at `pulumi up`)."""
    from groundwork import report
    from groundwork.engine import write_json

    _set_project_dir(project)
    if lock_subnets or allow_subnet_moves:
        _lock_subnets(stack, lock_subnets, allow_subnet_moves)
    result = run_plan(stack)
    out = _Out(console)
    policy = print_plan(out, result, types=types)
    if json_path:
        write_json(result, json_path)
        out.line(f"wrote {len(result.resources)} records to {json_path}")
    if markdown_path:
        markdown_path.parent.mkdir(parents=True, exist_ok=True)
        markdown_path.write_text(report.markdown(result, extra_sections=_policy_sections(policy)))
        out.line(f"wrote the report to {markdown_path}")
    if result.name_clashes:
        err_console.print(f"[bold red]error:[/] {len(result.name_clashes)} AWS name clash(es): "
                          "give each resource its own name (see the top of the plan)",
                          highlight=False, soft_wrap=True)
        raise typer.Exit(EXIT_PROGRAM)


def print_plan(out: _Out, result, *, types: bool = False):  # (PlanResult) -> CheckResult | None
    """The plan, in the order a reviewer reads it: what clashes, the components, the subnet
    plan, the security-group matrix, policy verdicts, cost, totals (`types`: and the resources
    by component and type). Returns the policy check (None if it could not run)."""
    from groundwork import report
    from groundwork.engine import short_type

    t = report.totals(result)
    rows = report.components(result)
    top = len([c for c in rows if c.type != "stack"])
    nested = "" if t["components"] == top else f" ({t['components']} with the nested ones)"
    about = [f"project {result.project}"] if result.project != "groundwork" else []
    about += [f"profile {result.profile}"] if result.profile else []
    about.append(f"region {result.region}")
    out.heading(f"groundwork plan: stack {result.stack} ({', '.join(about)})")
    out.line(f"{t['resources']} resources in {top} components{nested}, {t['protected']} protected.")
    out.line("Planned offline under Pulumi mocks: no pulumi preview was run.")
    if result.name_clashes:
        out.blank()
        out.alert(f"AWS NAME CLASHES: {len(result.name_clashes)}; pulumi up would fail")
        for clash in result.name_clashes:
            out.alert(f"- {clash}", indent=2)

    out.blank()
    out.heading(f"Components ({top})")
    out.table(["component", "type", "resources"], [[c.name, c.kind, str(c.resources)] for c in rows],
              right={2})

    subnets = report.subnet_rows(result)
    if subnets:
        out.blank()
        out.heading("Subnet plan")
        columns = ["network", "tier", "routing", "AZ", "CIDR"] if "network" in subnets[0] else [
            "tier", "routing", "AZ", "CIDR"]
        out.table(columns, [list(row.values()) for row in subnets])
        if result.config is not None:
            _subnet_lock_note(out, result.stack, result.config)

    sources, matrix = report.security_group_matrix(result)
    if matrix:
        out.blank()
        grid = [[g, *[row.get(src, "") for src in sources]] for g, row in matrix.items()]
        if out.fits(["group", *sources], grid):
            out.heading("Security groups: ingress (rows: group, columns: from)")
            out.table(["group", *sources], grid)
        else:
            out.heading("Security groups: ingress")
            out.table(["group", "from", "ports"],
                      [[g, src, ports] for g, row in matrix.items() for src, ports in row.items()])

    out.blank()
    policy = _policy_summary(out, result)
    out.blank()
    out.markup(_cost_line(result))
    out.line("Totals: " + ", ".join(f"{value} {label}" for label, value in (
        ("resources", t["resources"]), ("components" + nested, top), ("types", t["types"]),
        ("protected", t["protected"]), ("subnets", t["subnets"]),
        ("NAT gateway(s)", t["nat_gateways"]), ("security-group rules", t["security_group_rules"]))))
    _name_record_note(out, result)
    if result.log:
        out.blank()
        out.heading("Program log")
        for message in result.log:
            out.line(message, indent=2)
    if types:
        out.blank()
        out.heading("Resources by component and type")
        out.table(["component", "type", "count"],
                  [[c, short_type(t_), str(n)] for c, t_, n in report.resources_by_component(result)],
                  right={2})
    return policy


def _cost_line(result) -> str:  # result: PlanResult
    from groundwork import cost

    return cost.summary_line(result)


def _name_record_note(out: _Out, result) -> None:  # result: PlanResult
    """One line: the stack's name record (stacks/names/<stack>.json), if the project keeps one."""
    from groundwork.stacks import names

    path = names.record_path(project_dir(), result.stack)
    shown = _shown_path(path)
    try:
        record = names.read_record(path)
    except names.NameRecordError as error:
        out.alert(f"Name record: {error}")
        return
    if record is None:
        if result.config is not None:
            out.line(f"Name record: none ({shown}); create it with 'groundwork names "
                     f"{result.stack} --update'")
        return
    check = names.compare(record, result)
    if check.ok:
        extra = f"; {len(check.added)} new resource(s) not recorded yet" if check.added else ""
        out.line(f"Name record {shown}: no URN lost, every stateful name kept{extra}")
    else:
        out.alert(f"Name record {shown}: {len(check.problems)} problem(s); see 'groundwork "
                  f"names {result.stack}'")


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


def _subnet_lock_note(out: _Out, stack: str, env) -> None:  # env: stacks.config.EnvironmentConfig
    """One line under the subnet plan: the lock's state and any subnets it doesn't know yet."""
    from groundwork.stacks import subnet_lock

    path = subnet_lock.lock_path(project_dir(), stack)
    lock = subnet_lock.read_lock(path, stack)  # readable: run_plan already checked it
    shown = _shown_path(path)
    if lock is None:
        out.line(f"Subnet lock: none ({shown}), so subnet moves are not checked; create it "
                 f"with 'groundwork plan {stack} --lock-subnets'", indent=2)
        return
    _, added = subnet_lock.compare(lock, env.network.plan(env.region))
    if added:
        out.line(f"Subnet lock {shown}: no moves; {len(added)} new subnet(s) not locked yet: "
                 f"{', '.join(added)}; re-lock with 'groundwork plan {stack} --lock-subnets'",
                 indent=2)
    else:
        out.line(f"Subnet lock {shown}: all {len(lock['subnets'])} subnets match", indent=2)


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
    sqs_requests: float = typer.Option(1.0, help="Million SQS requests per queue per month."),
    waf_requests: float = typer.Option(10.0, help="Million requests per WAF web ACL per month."),
    cloudfront_gb: float = typer.Option(100.0, help="GB out per CloudFront distribution per month."),
    cloudfront_requests: float = typer.Option(
        10.0, help="Million HTTPS requests per CloudFront distribution per month."),
    json_path: Path | None = typer.Option(None, "--json", help="Write the itemised estimate here."),
    project: Path | None = typer.Option(None, "--project-dir", help=PROJECT_DIR_HELP),
) -> None:
    """Monthly cost estimate of a stack from its offline plan, at on-demand list prices."""
    import json

    from groundwork import cost

    _set_project_dir(project)
    result = run_plan(stack)
    for clash in result.name_clashes:
        err_console.print(f"warning: {clash}", highlight=False, markup=False, soft_wrap=True)
    try:
        est = cost.estimate(result, cost.Assumptions(nat_gb_per_gateway=nat_gb, alb_lcu=alb_lcu,
                                                     log_gb_per_group=log_gb,
                                                     sqs_requests_millions_per_queue=sqs_requests,
                                                     waf_requests_millions_per_acl=waf_requests,
                                                     cloudfront_gb_per_month=cloudfront_gb,
                                                     cloudfront_requests_millions=cloudfront_requests))
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
    project: Path | None = typer.Option(None, "--project-dir", help=PROJECT_DIR_HELP),
    skip: list[str] = typer.Option(
        [], "--skip", help="Checks to skip, comma-separated. A stack: ecs-service, target-health, database, "
                           "cache, queues, dead-letters, search, documents, kafka, assets, backup, alarms, "
                           "web-acl, cloudfront, dns-records, http-smoke, security-headers. "
                           "account: cloudtrail, config, guardduty, securityhub, ebs_encryption, "
                           "s3_public_access_block, password_policy, security_contact, budget, or an "
                           "account program section: audit_trail...)."),
    account_stack: str = typer.Option(
        "main", "--account-stack", help="verify account: the account program's stack; its "
                                        "Pulumi.<stack>.yaml says which pieces are on (default main)."),
    no_account_config: bool = typer.Option(
        False, "--no-account-config", help="verify account: expect every piece with FSBP/CIS values "
                                           "instead of reading the account program's config."),
    region: str | None = typer.Option(
        None, "--region", help="verify account: the region to check (default: the account program's)."),
    json_path: Path | None = typer.Option(None, "--json", help="Also write the results as JSON here."),
) -> None:
    """After `pulumi up`: check the live environment (ECS, targets, RDS, cache, queues and their
    dead letters, OpenSearch, DocumentDB, MSK, asset buckets, backups, alarms, HTTP) with boto3.
    PASS/FAIL/SKIP per check; exit 1 on any failure, 2 on a bad config, an unknown --skip or
    unreadable outputs.

    `groundwork verify account` checks the account baseline instead (CloudTrail, Config, GuardDuty,
    Security Hub, EBS default encryption, S3 account and VPC Block Public Access, password policy,
    security contact, budget): PASS/FAIL/SKIP/UNKNOWN per check; exit 1 on any FAIL or UNKNOWN."""
    from groundwork import verify as checks
    from groundwork.stacks.config import load_environment
    from groundwork.stacks.loader import read_stack_file

    _set_project_dir(project)
    if stack == "account":
        _verify_account(skip, account_stack, no_account_config, region, json_path)
        return
    try:
        skipped = checks.resolve_stack_skips(skip)
    except ValueError as exc:
        fail_config(ConfigError([str(exc)]))
    try:
        sf = read_stack_file(stack, project_dir())
        env = load_environment(sf.namespace, stack=stack, region=sf.region)
        stack_outputs = checks.read_outputs(stack, outputs)
    except ConfigError as error:
        fail_config(error)
    except checks.OutputsError as exc:
        err_console.print(f"[bold red]error:[/] {exc}", highlight=False)
        raise typer.Exit(EXIT_CONFIG) from None
    from dataclasses import replace

    expect = replace(checks.Expectations.from_config(env), skip=skipped)
    verifier = checks.Verifier(stack_outputs, expect, base_url=base_url)
    results = checks.verify(verifier, wait_seconds=wait)
    console.print(checks.render(stack, results))
    failures = checks.failed(results)
    if json_path:
        import json

        json_path.parent.mkdir(parents=True, exist_ok=True)
        json_path.write_text(json.dumps({"stack": stack, "passed": not failures, "results": [
            {"check": r.check, "target": r.target, "status": r.status, "detail": r.detail}
            for r in results]}, indent=2) + "\n")
    if failures:
        console.print(f"[bold red]FAILED[/]: {', '.join(sorted({r.check for r in failures}))}",
                      highlight=False)
        raise typer.Exit(EXIT_PROGRAM)
    console.print("[bold green]PASSED[/]", highlight=False)


def _verify_account(skip: list[str], account_stack: str, no_account_config: bool, region: str | None,
                    json_path: Path | None) -> None:
    """`groundwork verify account`: the account baseline's controls, live."""
    import json

    from groundwork import verify as checks
    from groundwork.stacks.account import ACCOUNT_PROJECT_DIR, account_from_file

    try:
        skipped = checks.resolve_skips(skip)
    except ValueError as exc:
        fail_config(ConfigError([str(exc)]))
    if no_account_config:
        expect = checks.AccountExpectations(region=region or _default_region())
    else:
        folder = _PROJECT_DIR[0] if _PROJECT_DIR else ACCOUNT_PROJECT_DIR
        try:
            config = account_from_file(account_stack, folder)
        except ConfigError as error:
            fail_config(error)
        expect = checks.AccountExpectations.from_config(config)
        if region:
            from dataclasses import replace

            expect = replace(expect, region=region)
    expect = expect.skipping(sorted(skipped), "--skip")
    results = checks.AccountVerifier(expect).run()
    console.print(checks.render_account(results))
    if json_path:
        json_path.parent.mkdir(parents=True, exist_ok=True)
        json_path.write_text(json.dumps(checks.account_json(results, expect), indent=2) + "\n")
    failures = checks.account_failures(results)
    if failures:
        console.print(f"[bold red]FAILED[/]: {', '.join(r.check for r in failures)}", highlight=False)
        raise typer.Exit(EXIT_PROGRAM)
    console.print("[bold green]PASSED[/]", highlight=False)


drill_app = typer.Typer(help="Restore drills: prove backups restore, timed against the RTO.",
                        no_args_is_help=True)
app.add_typer(drill_app, name="drill")


@drill_app.command("restore")
def drill_restore(
    stack: str = typer.Argument(..., help="Stack name: dev, prod, or any Pulumi.<stack>.yaml."),
    store: str = typer.Option("database", "--store", help="The store to drill (database)."),
    outputs: Path | None = typer.Option(
        None, "--outputs", help="Stack outputs JSON (default: `pulumi stack output --json`)."),
    json_path: Path | None = typer.Option(
        None, "--json", help="Write the drill's record here (default: "
                             "drill-<stack>-<store>-<UTC stamp>.json in the current directory)."),
    from_cidr: str | None = typer.Option(
        None, "--from-cidr", help="The only ingress of the throwaway security group: where the "
                                  "check connects from (default backup.drill.from_cidr, else the "
                                  "VPC's CIDR)."),
    timeout: int | None = typer.Option(
        None, "--timeout-minutes", help="Give up waiting after this long (default "
                                        "backup.drill.timeout_minutes)."),
    project: Path | None = typer.Option(None, "--project-dir", help=PROJECT_DIR_HELP),
) -> None:
    """Restore the store's latest recovery point (AWS Backup, else the newest RDS snapshot) into
    a throwaway instance in a subnet and security group of its own, wait for it, connect,
    SELECT 1 and count backup.drill.tables, report the restore time against backup.rto_minutes,
    and delete everything it created, whatever happened. Talks to AWS with your credentials
    and runs where it can reach the data subnets (inside the VPC; docs/backup.md). Exit 0 when
    the drill passed and cleaned up, 1 when it didn't, 2 on a bad config, store or outputs."""
    import ipaddress
    from datetime import UTC, datetime

    from groundwork import drill
    from groundwork import verify as checks
    from groundwork.stacks.config import load_environment
    from groundwork.stacks.loader import read_stack_file

    _set_project_dir(project)
    if store not in drill.STORES:
        fail_config(ConfigError([f"--store {store}: not drilled; allowed: "
                                 f"{', '.join(drill.STORES)} (the others: docs/operations.md)"]))
    problems = []
    if from_cidr is not None:
        try:
            ipaddress.IPv4Network(from_cidr)
        except ValueError as exc:
            problems.append(f"--from-cidr {from_cidr}: not an IPv4 CIDR ({exc})")
        else:
            if from_cidr.endswith("/0"):
                problems.append(f"--from-cidr {from_cidr}: opens the restored database to the "
                                "internet; give the runner's address or the VPC's CIDR")
    if timeout is not None and not 5 <= timeout <= 1440:
        problems.append(f"--timeout-minutes {timeout}: allowed 5 to 1440")
    if problems:
        fail_config(ConfigError(problems))
    if drill.driver_name() is None:
        fail_config(ConfigError(["no PostgreSQL driver for the check: pip install "
                                 "'psycopg[binary]' (or pg8000)"]))
    try:
        sf = read_stack_file(stack, project_dir())
        env = load_environment(sf.namespace, stack=stack, region=sf.region)
        stack_outputs = checks.read_outputs(stack, outputs)
        config = env.backup.drill
        target = drill.DrillTarget.from_outputs(
            stack, env.region, stack_outputs, rto_minutes=env.backup.rto_minutes,
            tables=config.tables, timeout_minutes=timeout or config.timeout_minutes,
            instance_class=config.instance_class, from_cidr=from_cidr or config.from_cidr)
        _ = target.ingress_cidr
    except ConfigError as error:
        fail_config(error)
    except (checks.OutputsError, drill.DrillError) as exc:
        err_console.print(f"[bold red]error:[/] {exc}", highlight=False, soft_wrap=True)
        raise typer.Exit(EXIT_CONFIG) from None
    out = _Out(console)
    out.heading(f"groundwork drill restore: stack {stack}, store {store} ({target.identifier}, "
                f"region {target.region}); RTO {target.rto_minutes} min")
    with _DrillProgress(console) as progress:
        record = drill.RestoreDrill(target, clients=drill.boto3_clients(target.region),
                                    connector=drill.default_connector,
                                    progress=progress.update).run()
    _print_drill(out, record)
    stamp = f"{datetime.now(UTC):%Y%m%dT%H%M%SZ}"
    path = json_path or Path(f"drill-{stack}-{store}-{stamp}.json")
    drill.write_record(record, path)
    out.line(f"wrote the drill's record to {path}")
    if not record.passed:
        raise typer.Exit(EXIT_PROGRAM)


class _DrillProgress:
    """The drill's progress: a live status line (phase, elapsed, AWS status) on a terminal; a
    plain line per change of status otherwise (a CI log)."""

    def __init__(self, console: Console, initial: str = "finding the latest recovery point..."):
        self.console = console
        self.initial = initial
        self._status: Any = None
        self._last: tuple[str, str] | None = None

    def __enter__(self) -> _DrillProgress:
        if self.console.is_terminal:
            self._status = self.console.status(self.initial)
            self._status.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._status is not None:
            self._status.__exit__(None, None, None)

    def update(self, phase: str, elapsed: float, status: str) -> None:
        minutes, seconds = divmod(int(elapsed), 60)
        text = f"{phase}: {status} ({minutes}m{seconds:02d}s)"
        if self._status is not None:
            self._status.update(text)
        elif self._last != (phase, status):
            self.console.print(f"  {text}", highlight=False, markup=False, soft_wrap=True)
        self._last = (phase, status)


def _print_drill(out: _Out, record) -> None:  # record: groundwork.drill.DrillRecord
    point = record.recovery_point
    if point is not None:
        out.line(f"Recovery point: {point.arn} ({point.source}, {point.created:%Y-%m-%d %H:%M} UTC)")
    if record.instance:
        out.line(f"Restored as {record.instance} ({record.method}) in subnet group "
                 f"{record.subnet_group}, security group {record.security_group} (port from "
                 f"{record.from_cidr} only)")
    if record.restore_minutes is not None:
        met = "within" if record.rto_met else "OVER"
        out.line(f"Restore time: {record.restore_minutes} min, {met} the RTO of "
                 f"{record.rto_minutes} min")
    check = record.check
    if check is not None:
        rows = [["connect", "ok" if check.connected else "FAILED"],
                ["SELECT 1", "ok" if check.select_1 else "FAILED"]]
        rows += [[f"count {t}", "FAILED" if n is None else str(n)] for t, n in check.tables.items()]
        out.table(["check", "result"], rows)
        for error in check.errors:
            out.alert(f"- {error}", indent=2)
    if record.cleanup:
        out.line("Cleanup:")
        out.table(["resource", "id", "status", "detail"],
                  [[c.resource, c.id, c.status, c.detail] for c in record.cleanup])
    line = f"Verdict: {record.verdict}: {record.detail}"
    if record.passed:
        from rich.markup import escape

        out.markup(f"[bold green]PASSED[/] {escape(line)}")
    else:
        if not record.cleanup_ok:
            out.alert("Cleanup incomplete: delete what is marked left/failed (tag "
                      f"groundwork:drill={record.drill_id})")
        out.alert(f"FAILED {line}")


@app.command()
def rollback(
    stack: str = typer.Argument(..., help="Stack name: dev, prod, or any Pulumi.<stack>.yaml."),
    service: str | None = typer.Option(
        None, "--service", help="Roll back this service only (its name in the config: api); "
                                "default every service of the stack."),
    to: str | None = typer.Option(
        None, "--to", help="The task definition to go back to: a revision number of the "
                           "service's family (7) or a full task-definition ARN (with --service "
                           "when the stack has several). Default: the newest one that ran in a "
                           "SUCCESSFUL deployment before the current one."),
    changed_since: str | None = typer.Option(
        None, "--changed-since", help="Only the services whose current deployment was created "
                                      "at or after this ISO 8601 time with its zone "
                                      "(2026-05-01T10:00:00Z): the ones a deploy changed."),
    force: bool = typer.Option(
        False, "--force", help="Roll back services whose image Pulumi owns "
                               "(deployment.ci_owns_image false) although the next pulumi up "
                               "undoes it: a stop-gap until the fix is deployed."),
    record_path: Path | None = typer.Option(
        None, "--record", help="Write the JSON record here (default: "
                               "rollback-<stack>-<UTC stamp>.json in the current directory)."),
    wait: float = typer.Option(
        1200.0, "--wait", help="Seconds the deployments and then verify may take altogether."),
    outputs: Path | None = typer.Option(
        None, "--outputs", help="Stack outputs JSON (default: `pulumi stack output --json`)."),
    project: Path | None = typer.Option(None, "--project-dir", help=PROJECT_DIR_HELP),
) -> None:
    """Put each service back on the task definition that last ran healthy (ECS's deployment
    history, or --to), watch the deployment, then run verify for the stack, and write a JSON
    record. Refuses (exit 2, before changing anything) services whose image Pulumi owns
    without --force: the next `pulumi up` would put the bad revision back. Talks to AWS with
    your credentials. Exit 0 when every selected service rolled back and verify passed, 1
    otherwise (nothing rolled back included), 2 on bad input or a refusal."""
    from datetime import UTC, datetime

    from groundwork import rollback as rb
    from groundwork import verify as checks
    from groundwork.stacks.config import load_environment
    from groundwork.stacks.loader import read_stack_file

    _set_project_dir(project)
    try:
        sf = read_stack_file(stack, project_dir())
        env = load_environment(sf.namespace, stack=stack, region=sf.region)
        stack_outputs = checks.read_outputs(stack, outputs)
        request = rb.request_from(stack, env, stack_outputs, service=service, to=to,
                                  changed_since=changed_since, force=force, wait_seconds=wait)
    except ConfigError as error:
        fail_config(error)
    except (checks.OutputsError, rb.RollbackError) as exc:
        err_console.print(f"[bold red]error:[/] {exc}", highlight=False, markup=False,
                          soft_wrap=True)
        raise typer.Exit(EXIT_CONFIG) from None
    refused = rb.refusal(request)
    if refused is not None:
        err_console.print(f"refused: {refused}", highlight=False, markup=False, soft_wrap=True)
        raise typer.Exit(EXIT_CONFIG)
    out = _Out(console)
    names = ", ".join(s.name for s in request.services)
    since = f", changed since {rb.iso(request.changed_since)}" if request.changed_since else ""
    out.heading(f"groundwork rollback: stack {stack} ({names}{since}; cluster {request.cluster}, "
                f"region {request.region})")
    if request.force and request.pulumi_owned:
        out.alert(f"--force: {', '.join(request.pulumi_owned)}: {rb.PULUMI_UNDOES}")
    with _DrillProgress(err_console, "reading the services and their deployment history...") as shown:
        try:
            record = rb.Rollback(request, clients=rb.boto3_clients(request.region),
                                 verify=rb.stack_verify(env, stack_outputs),
                                 progress=shown.update).run()
        except rb.RollbackError as exc:
            err_console.print(f"error: {exc}", highlight=False, markup=False, soft_wrap=True)
            raise typer.Exit(EXIT_CONFIG) from None
    _print_rollback(out, record)
    path = record_path or Path(f"rollback-{stack}-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.json")
    rb.write_record(record, path)
    out.line(f"wrote the rollback's record to {path}")
    if record.exit_code:
        raise typer.Exit(record.exit_code)


def _print_rollback(out: _Out, record) -> None:  # record: groundwork.rollback.RollbackRecord
    from rich.markup import escape

    from groundwork.rollback import short

    out.table(["service", "verdict", "from", "to", "seconds"],
              [[s.name, s.verdict, short(s.from_task_definition), short(s.to_task_definition),
                "-" if s.deploy_seconds is None else f"{s.deploy_seconds:.0f}"]
               for s in record.services], right={4})
    for s in record.services:
        line = f"- {s.name}: {s.detail}"
        if s.verdict in ("rolled-back", "skipped"):
            out.line(line, indent=2)
        else:
            out.alert(line, indent=2)
    verify = record.verify
    if verify.ran:
        out.line(f"Verify: {verify.detail} ({verify.seconds or 0:.0f} s)")
        for r in verify.results:
            if r["status"] == "FAIL":
                out.alert(f"- {r['check']} {r['target']}: {r['detail']}", indent=2)
    elif verify.detail:
        out.line(f"Verify: {verify.detail}")
    if record.passed:
        done = ", ".join(s.name for s in record.attempted)
        out.markup("[bold green]PASSED[/] " + escape(f"rolled back: {done}"))
    elif not record.attempted:
        out.alert("FAILED: nothing rolled back (no selected service changed since "
                  "--changed-since)")
    else:
        failed = [f"{s.name} {s.verdict}" for s in record.attempted if s.verdict != "rolled-back"]
        out.alert(f"FAILED: {', '.join(failed)}")


def _default_region() -> str:
    import os

    return os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"


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


def _config_name(checked) -> str:  # checked: groundwork.check.CheckResult
    return checked.config_path.name if checked.config_path is not None else "the pack's defaults"


def _policy_summary(out: _Out, result):  # -> groundwork.check.CheckResult | None
    """The plan's policy verdicts: one line, and the rules that fired (the plan still succeeds)."""
    from groundwork.check import PolicyConfigError, check_plan

    try:
        checked = check_plan(result, project_dir=project_dir())
    except PolicyConfigError as error:
        out.alert(f"Policy: not checked: {error}")
        return None
    out.heading(f"Policy ({_config_name(checked)}): {checked.summary()}")
    if checked.violations:
        out.table(["level", "count", "rule", "control"],
                  [[found[0].level, str(len(found)), name, found[0].control]
                   for name, found in checked.by_rule().items()], right={1})
        out.line(f"Details: groundwork check {result.stack}", indent=2)
    return checked


def _policy_sections(checked) -> list[tuple[str, str]]:
    from groundwork.check import markdown_section

    return [("Policy", markdown_section(checked))] if checked is not None else []


@app.command()
def check(
    stack: str = typer.Argument(..., help="Stack name: dev, prod, or any Pulumi.<stack>.yaml."),
    policy_config: Path | None = typer.Option(
        None, "--policy-config",
        help="Policy config JSON (default: the project's policies/config/<stack>.json; for "
             "groundwork's stacks, else the profile's; for other programs, else the pack's defaults)."),
    project: Path | None = typer.Option(None, "--project-dir", help=PROJECT_DIR_HELP),
    json_path: Path | None = typer.Option(
        None, "--json", help="Also write the result (violations, skipped checks, rotation exemptions) here."),
) -> None:
    """Run the whole policy pack offline over every AWS resource of the stack's plan, whatever
    built it: violations grouped by rule, then every rotation exemption in use; exit 1 on any
    mandatory one or on an AWS name clash (2 on a bad stack or policy config)."""
    from groundwork.check import PolicyConfigError, check_plan, report_lines

    _set_project_dir(project)
    result = run_plan(stack)
    try:
        checked = check_plan(result, policy_config, project_dir())
    except PolicyConfigError as error:
        _fail_policy_config(error)
    config = checked.config_path if checked.config_path is not None else "the pack's defaults"
    console.print(f"[bold]groundwork check[/] stack [cyan]{stack}[/] with {config}: "
                  f"{checked.summary()}. Offline under Pulumi mocks.", highlight=False, soft_wrap=True)
    for line in report_lines(checked):
        console.print(line, highlight=False, markup=False, soft_wrap=True)
    if json_path:
        import json

        json_path.parent.mkdir(parents=True, exist_ok=True)
        json_path.write_text(json.dumps(checked.to_json(), indent=2) + "\n")
    for clash in result.name_clashes:
        console.print(f"NAME CLASH: {clash}", highlight=False, markup=False, soft_wrap=True)
    if result.name_clashes:
        console.print(f"[bold red]FAILED[/]: {len(result.name_clashes)} AWS name clash(es)",
                      highlight=False)
        raise typer.Exit(EXIT_POLICY)
    if not checked.passed:
        console.print(f"[bold red]FAILED[/]: {len(checked.mandatory)} mandatory violation(s)",
                      highlight=False)
        raise typer.Exit(EXIT_POLICY)
    console.print("[bold green]PASSED[/]: no mandatory violation", highlight=False)


@app.command()
def names(
    stack: str = typer.Argument(..., help="Stack name: dev, prod, or any Pulumi.<stack>.yaml."),
    update: bool = typer.Option(False, "--update", help="Rewrite stacks/names/<stack>.json from this plan."),
    project: Path | None = typer.Option(None, "--project-dir", help=PROJECT_DIR_HELP),
) -> None:
    """Compare the stack's plan with its name record (stacks/names/<stack>.json: every URN and
    AWS name): exit 1 if a URN disappears without an alias or a stateful resource (database,
    cache, bucket, key alias, log group, repository, secret...) would get a new AWS name.
    `--update` rewrites the record (commit it) and lists what it accepted."""
    from groundwork.stacks import names as records

    _set_project_dir(project)
    result = run_plan(stack)
    path = records.record_path(project_dir(), stack)
    shown = _shown_path(path)
    try:
        record = records.read_record(path)
    except records.NameRecordError as error:
        if not update:
            fail_config(ConfigError([str(error)], stack))
        record = None
    check = records.compare(record, result) if record is not None else None
    out = _Out(console)
    if check is not None:
        for old, new in check.renamed:
            out.line(f"renamed (aliased): {old} -> {new}")
        for key, old_name, new_name in check.changed:
            out.line(f"AWS name changed (replaces a resource without data): {key}: "
                     f"{old_name or '(auto)'} -> {new_name or '(auto)'}")
        for key in check.added:
            out.line(f"new: {key}")
        for problem in check.problems:
            out.alert(f"PROBLEM: {problem}")
    if update:
        fresh = records.record_from_plan(result)
        if record == fresh:
            out.line(f"Name record {shown}: unchanged, it already matches the plan")
            return
        records.write_record(path, fresh)
        verb = "created" if record is None else "rewritten"
        out.line(f"Name record {shown}: {verb} with {len(fresh['resources'])} resources; commit it")
        if check is not None and check.problems:
            out.alert(f"accepted {len(check.problems)} problem(s) above: list them in the CHANGELOG")
        return
    if check is None or record is None:
        out.line(f"Name record: none ({shown}); create it with 'groundwork names {stack} --update'")
        return
    if check.problems:
        out.alert(f"FAILED: {len(check.problems)} problem(s) against {shown}")
        raise typer.Exit(EXIT_PROGRAM)
    out.line(f"Name record {shown}: {len(record['resources'])} recorded, no URN lost, every "
             f"stateful name kept; {len(check.added)} new, {len(check.renamed)} aliased, "
             f"{len(check.changed)} renamed without data")


@app.command("policy-pack-path")
def policy_pack_path() -> None:
    """Print the folder of the installed policy pack, for a consumer project's
    `pulumi preview --policy-pack "$(groundwork policy-pack-path)"` (docs/library.md)."""
    import groundwork.policies

    typer.echo(Path(groundwork.policies.__file__).resolve().parent)


def main() -> None:  # pragma: no cover - console-script shim
    """The `groundwork` command: one plan per process, so the engine leaves the run's garbage
    to the process's end instead of collecting it (groundwork.engine.COLLECT_AFTER_RUN)."""
    from groundwork import engine

    engine.COLLECT_AFTER_RUN = False
    sys.exit(app())


if __name__ == "__main__":  # pragma: no cover
    main()
