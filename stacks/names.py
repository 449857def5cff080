"""The name record: a committed list of every resource's URN and AWS physical name per stack,
so a rename that would make `pulumi up` replace something fails a test instead.

`stacks/names/<stack>.json` maps each resource's URN, without the `urn:pulumi:<stack>::<project>::`
prefix (so: its type chain and its name, e.g. `groundwork:data:PostgresDatabase$aws:rds/instance:
Instance::database-postgres`), to the AWS name the program gives it (`groundwork-dev-postgres`),
`<prefix>*` for a `namePrefix`, or null when AWS or Pulumi names it. Keys are sorted so it reads
and diffs well in review, like the subnet lock (`stacks/subnets/<stack>.json`).

Two rules, checked by `compare` (tests/test_names.py and `groundwork names <stack>`):

- A recorded URN must still exist, or a resource must name it in its `aliases` (directly, or
  through its parent's alias, as the Pulumi engine derives child aliases). Otherwise `pulumi up`
  deletes the old resource and creates a new one.
- A STATEFUL resource (`STATEFUL`) must keep its AWS name: a new name replaces it, and its data
  (rows, objects, log events, images, secret values) stays behind or is deleted.

Other physical renames (roles, alarms, groups, target groups...) replace something that holds no
data; they are allowed, and `compare` lists them (`changed`) for the CHANGELOG.
`groundwork names <stack> --update` rewrites the record from the current plan.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from groundwork.engine import engine_urn, physical_name

if TYPE_CHECKING:
    from groundwork.engine import PlanResult, ResourceRecord

NAMES_DIR = Path("stacks") / "names"
"""Where the records live, relative to the project directory (the one holding `Pulumi.yaml`)."""

STACK_TYPE = "pulumi:pulumi:Stack"

STATEFUL: dict[str, str] = {
    "aws:rds/instance:Instance": "a database: a new identifier is a new, empty instance",
    "aws:rds/cluster:Cluster": "a database cluster: a new identifier is a new, empty cluster",
    "aws:elasticache/replicationGroup:ReplicationGroup":
        "a cache: a new replication group id is a new, empty cache",
    "aws:elasticache/cluster:Cluster": "a cache node: a new cluster id is a new, empty node",
    "aws:s3/bucket:Bucket": "a bucket: a new name is a new, empty bucket",
    "aws:s3/bucketV2:BucketV2": "a bucket: a new name is a new, empty bucket",
    "aws:kms/alias:Alias": "a key's name: policies, configs and people find the key by it",
    "aws:cloudwatch/logGroup:LogGroup": "a log group: a new name starts an empty log",
    "aws:ecr/repository:Repository": "an image repository: a new name is a new, empty repository",
    "aws:secretsmanager/secret:Secret":
        "a secret: a new name is a new secret, and the old name stays reserved for its "
        "recovery window",
    "aws:dynamodb/table:Table": "a table: a new name is a new, empty table",
    "aws:sqs/queue:Queue": "a queue: a new name is a new queue, and the messages in flight are lost",
    "aws:efs/fileSystem:FileSystem": "a file system: a new creation token is a new, empty one",
}
"""Types whose AWS name is part of their data's identity, and why. A KMS key itself has no name
(its URN protects it); its alias is how everything finds it."""


def record_path(project_dir: Path, stack: str) -> Path:
    """`<project_dir>/stacks/names/<stack>.json`."""
    return project_dir / NAMES_DIR / f"{stack}.json"


def _prefix(stack: str, project: str) -> str:
    return f"urn:pulumi:{stack}::{project}::"


def urn_key(urn: str) -> str:
    """A URN without its stack and project: `<type chain>::<name>`."""
    return urn.split("::", 2)[2] if urn.count("::") >= 3 else urn


def key_type(key: str) -> str:
    """The resource type of a record key (the last link of its type chain)."""
    return key.split("::", 1)[0].split("$")[-1]


def record_from_plan(plan: PlanResult) -> dict[str, Any]:
    """The record of a plan: `{"project", "stack", "resources": {key: physical name | None}}`."""
    return {
        "project": plan.project,
        "stack": plan.stack,
        "resources": {urn_key(r.urn): physical_name(r)
                      for r in sorted(plan.resources, key=lambda r: r.urn) if r.type != STACK_TYPE},
    }


def render_record(record: dict[str, Any]) -> str:
    """The file text: sorted keys, two-space indent, trailing newline."""
    return json.dumps(record, indent=2, sort_keys=True) + "\n"


class NameRecordError(ValueError):
    """A record file that is not what `render_record` writes."""


def read_record(path: Path) -> dict[str, Any] | None:
    """The record at `path`, or None if there is none; NameRecordError if it is unreadable."""
    if not path.is_file():
        return None
    fix = "fix it, or rewrite it with 'groundwork names <stack> --update'"
    try:
        doc = json.loads(path.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise NameRecordError(f"{path}: not readable JSON ({exc}); {fix}") from None
    resources = doc.get("resources") if isinstance(doc, dict) else None
    if (not isinstance(doc, dict) or not isinstance(doc.get("project"), str)
            or not isinstance(doc.get("stack"), str) or not isinstance(resources, dict)
            or not all(isinstance(v, str | None) for v in resources.values())):
        raise NameRecordError(f'{path}: must be {{"project": ..., "stack": ..., "resources": '
                              f'{{"<type chain>::<name>": "<AWS name>" | null}}}}; {fix}')
    return doc


def write_record(path: Path, record: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_record(record))


def _old_urns(record: ResourceRecord, plan: PlanResult,
              memo: dict[str, set[str]]) -> set[str]:
    """Every URN the resource answers to besides its own: its aliases, and the aliases the
    engine derives from its parent's (the parent's old type chain; a child named after its
    parent takes the parent's old name as the prefix of its own)."""
    if record.urn in memo:
        return memo[record.urn]
    memo[record.urn] = old = set(record.aliases)
    parent = plan.parent_of(record)
    if parent is not None and parent.type != STACK_TYPE:
        for parent_old in _old_urns(parent, plan, memo):
            old_parent_name = parent_old.rsplit("::", 1)[-1]
            name = record.name
            if name.startswith(parent.name):
                name = old_parent_name + name[len(parent.name):]
            stack, project = plan.stack, plan.project
            old.add(engine_urn(stack, project, parent_old, record.type, name))
            old.add(engine_urn(stack, project, parent_old, record.type, record.name))
    return old


@dataclass
class NameCheck:
    """What `compare` found between a record and a plan."""

    lost: list[str] = field(default_factory=list)
    """Recorded URNs no resource has or aliases: `pulumi up` would delete and recreate them."""
    stateful: list[str] = field(default_factory=list)
    """One sentence per stateful resource whose AWS name would change (it would be replaced)."""
    renamed: list[tuple[str, str]] = field(default_factory=list)
    """(old key, new key): URN renames covered by an alias."""
    changed: list[tuple[str, str | None, str | None]] = field(default_factory=list)
    """(key, old name, new name): physical renames of resources that hold no data."""
    added: list[str] = field(default_factory=list)
    """Keys in the plan the record doesn't know yet."""

    @property
    def problems(self) -> list[str]:
        """What fails the contract, one line each."""
        return ([f"URN {key} would disappear (pulumi up replaces it): give the resource that "
                 "replaces it `aliases=[pulumi.Alias(name=...)]` naming the old one"
                 for key in self.lost] + self.stateful)

    @property
    def ok(self) -> bool:
        return not self.problems


def compare(record: dict[str, Any], plan: PlanResult) -> NameCheck:
    """Check a plan against a record (see the module docstring for the two rules)."""
    prefix = _prefix(plan.stack, str(record.get("project", plan.project)))
    now = {r.urn: r for r in plan.resources if r.type != STACK_TYPE}
    memo: dict[str, set[str]] = {}
    answers: dict[str, ResourceRecord] = {}
    for r in now.values():
        for old in _old_urns(r, plan, memo):
            answers.setdefault(old, r)
    check = NameCheck()
    recorded: dict[str, str | None] = record["resources"]
    for key, old_name in sorted(recorded.items()):
        urn = prefix + key
        current = now.get(urn)
        if current is None:
            current = answers.get(urn)
            if current is None:
                check.lost.append(key)
                continue
            check.renamed.append((key, urn_key(current.urn)))
        new_name = physical_name(current)
        if new_name == old_name:
            continue
        typ = key_type(key)
        if typ in STATEFUL:
            check.stateful.append(
                f"{key}: AWS name {old_name or '(auto)'} would become {new_name or '(auto)'}, "
                f"which replaces {STATEFUL[typ]}; keep the name (pass it in the component's Args)")
        else:
            check.changed.append((key, old_name, new_name))
    known = {prefix + k for k in recorded} | {prefix + new for _, new in check.renamed}
    check.added = sorted(urn_key(u) for u in now if u not in known)
    return check
