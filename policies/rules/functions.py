"""Lambda rules: no function may be invoked by the world, every function runs on a runtime
AWS still supports, and a VPC function spans two AZs (groundwork's own functions: the cache
token rotation, the blue/green pre-traffic hook)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from pulumi_policy import PolicyResource
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE, UnknownValueError

from ._base import SUBNET, Stack, as_list, count, get, known, resource_rule, stack_rule

LAMBDA_FUNCTION = "aws:lambda/function:Function"
LAMBDA_PERMISSION = "aws:lambda/permission:Permission"

NARROWING_ARGUMENTS = ("sourceArn", "sourceAccount", "principalOrgId")
"""Permission arguments that limit who may invoke: without one, a wildcard or service principal
can be used from any account (the confused-deputy case)."""


@resource_rule(
    "lambda-not-public",
    control="Lambda.1",
    description="Lambda permissions never let everyone invoke a function; service principals are "
                "narrowed to a source ARN or account.",
    fix="name the principal (an account or a service) and set source_arn (or source_account / "
        "principal_org_id)",
    types=[LAMBDA_PERMISSION],
)
def lambda_not_public(props, args, config) -> Iterator[str]:
    """The principal and, when it needs narrowing, the narrowing arguments are read as they are:
    a value unknown during preview defers the rule to `pulumi up` (the engine's "can't run
    during preview") instead of passing, or failing, on a guess."""
    principal = str(get(props, "principal", default="")).strip()
    wildcard, service = principal == "*", principal.lower().endswith(".amazonaws.com")

    def narrowed() -> bool:
        return any(str(get(props, key, default="")).strip() not in ("", "*") for key in NARROWING_ARGUMENTS)

    if wildcard and not narrowed():
        yield "lets every principal invoke the function ('*' without source_arn or source_account)"
    elif service and not narrowed():
        yield (f"lets the service {principal} invoke the function on behalf of any account "
               "(no source_arn or source_account)")
    url_auth = known(props, "functionUrlAuthType")
    if url_auth == "NONE":
        yield "allows unauthenticated function-URL invocations (function_url_auth_type NONE)"


SUPPORTED = {
    # https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html (see docs/policies.md):
    # the runtimes Security Hub's Lambda.2 accepts; a runtime leaves the list when AWS
    # deprecates it, so this list is reviewed with each release.
    "python3.10", "python3.11", "python3.12", "python3.13",
    "nodejs20.x", "nodejs22.x",
    "java11", "java17", "java21", "java8.al2",
    "dotnet8", "ruby3.3", "ruby3.4", "provided.al2", "provided.al2023",
}


@resource_rule(
    "lambda-supported-runtime",
    control="Lambda.2",
    description="Lambda functions run on a runtime AWS still supports.",
    fix=f"set runtime to one of {', '.join(sorted(SUPPORTED))}",
    types=[LAMBDA_FUNCTION],
)
def lambda_supported_runtime(props, args, config) -> Iterator[str]:
    if known(props, "packageType") == "Image":
        return  # container images bring their own runtime
    runtime = get(props, "runtime")
    if runtime is None:
        yield "has no runtime (zip functions need one)"
    elif str(runtime) not in SUPPORTED:
        hint = " (deprecated)" if re.match(r"^(python3\.[0-9]$|nodejs1[0-8]|go1\.x|ruby2|dotnet[3-7])",
                                           str(runtime)) else ""
        yield f"uses runtime {runtime!r}{hint}, which is not on AWS's supported list"


def _zone(subnet: PolicyResource) -> tuple[str | None, str | None]:
    """(AZ id, AZ name) of a subnet of the plan. Neither known: AWS picks the AZ at create
    (`availabilityZone` unset, or unknown during preview), which defers the rule."""
    zone_id, name = known(subnet.props, "availabilityZoneId"), known(subnet.props, "availabilityZone")
    if not (zone_id or name):
        raise UnknownValueError(UNKNOWN_STRING_VALUE, ["availabilityZone"])  # AWS picks it at create
    return (str(zone_id) if zone_id else None), (str(name) if name else None)


def _distinct_zones(zones: list[tuple[str | None, str | None]]) -> list[str]:
    """The AZs, by id where one is known (names map to ids through subnets that show both; a
    name is account-specific, an id is not). A name that can't be mapped is compared with the
    other names only, and the larger group counts: `us-east-1a` and `use1-az2` may be one AZ."""
    to_id = {name: zid for zid, name in zones if zid and name}
    ids = {zid or to_id.get(name or "", "") for zid, name in zones} - {""}
    names = {name for zid, name in zones if not zid and name and name not in to_id}
    return sorted(ids) if len(ids) >= len(names) else sorted(names)


@stack_rule(
    "lambda-vpc-multi-az",
    control="Lambda.5",
    description="A Lambda function in a VPC has subnets in at least two availability zones.",
    fix="give vpc_config.subnet_ids subnets of two or more AZs (the compute tier's; "
        "FargateService passes its own)",
    types=[LAMBDA_FUNCTION, SUBNET],
)
def lambda_vpc_multi_az(stack: Stack, config) -> Iterator[tuple[PolicyResource, str]]:
    """AZs come from the subnets the plan created (their AZ id, else name); a subnet made
    elsewhere counts as its own AZ (distinct ids, like elb-multi-az). Subnet ids unknown during
    preview are judged through the function's property dependencies (known then), or defer."""
    for fn in stack.of_type(LAMBDA_FUNCTION):
        vpc = get(fn.props, "vpcConfig")
        raw = get(vpc, "subnetIds") if vpc is not None else None
        listed = count(raw)
        if not listed:
            continue
        known_ids = {str(v) for v in as_list(raw)}
        pending = listed - len(as_list(raw))
        subnets = stack.referenced(fn, "vpcConfig", [SUBNET])
        if pending and not subnets:
            raise UnknownValueError(UNKNOWN_STRING_VALUE, ["vpcConfig", "subnetIds"])
        distinct = len(known_ids) + pending
        elsewhere = max(0, distinct - len(subnets))
        azs = _distinct_zones([_zone(s) for s in subnets])
        if len(azs) + elsewhere < 2:
            if azs:
                yield fn, f"runs in one AZ ({', '.join(azs)})"
            else:
                yield fn, f"has {distinct} subnet; a VPC function needs two AZs"
