"""`WebFirewall`: an AWS WAFv2 web ACL with AWS's managed rule groups, a rate limit, allow/deny
IP lists and logging, associated with the ALB (REGIONAL) or given to CloudFront (docs/edge.md).

Always on, not configurable: the default action allows (the rules block); CloudWatch metrics and
a visibility config on the ACL and on every rule (FSBP WAF.12); the rate-based rule always
exists, so the ACL never has zero rules (WAF.10); managed groups take `override_action` (none,
or count for a group in count mode), never `action`; logging to a KMS-encrypted log group named
`aws-waf-logs-<prefix>-<name>` with the `authorization` and `cookie` headers redacted, written
through a CloudWatch Logs resource policy scoped to that one group (so WAF doesn't grow the
account-wide `AWSWAF-LOGS` policy, capped at 5,120 characters); one `WebAclAssociation` per
`resource_arns` entry (REGIONAL only).

Rule order (priority): the deny list (block), the allow list (allow: trusted sources skip the
rest), the IP reputation list, the rate limit, the core rule set, known bad inputs, SQL
injection. The web ACL capacity (WCU) of the configured rules is computed here (`capacity`)
and refused above AWS's hard maximum of 5,000.

Traps a mock can't catch (docs/edge.md): a CLOUDFRONT-scope ACL, its log group and its IP sets
must be in us-east-1 (the caller passes us-east-1 options); an association created in the same
run as the ACL and ALB can fail with `WAFUnavailableEntityException` (re-run: the provider's
retries usually cover it); behind CloudFront a REGIONAL ACL sees CloudFront's addresses, so
its rate key must be FORWARDED_IP.
"""

from __future__ import annotations

import difflib
import ipaddress
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Literal

import pulumi
import pulumi_aws as aws
from pydantic import Field, field_validator, model_validator

from groundwork.components.args import ArgsModel, ComponentArgs, Input, check_retention
from groundwork.components.base import (
    AccountContext,
    Naming,
    account_for,
    checked_id,
    child_opts,
    component_naming,
    log_write_policy,
    require,
)

Scope = Literal["REGIONAL", "CLOUDFRONT"]
RuleAction = Literal["allow", "block", "count", "captcha", "challenge"]

IP_REPUTATION = "AWSManagedRulesAmazonIpReputationList"
COMMON_RULE_SET = "AWSManagedRulesCommonRuleSet"
KNOWN_BAD_INPUTS = "AWSManagedRulesKnownBadInputsRuleSet"
SQL_INJECTION = "AWSManagedRulesSQLiRuleSet"

MANAGED_GROUP_WCU: dict[str, int] = {
    IP_REPUTATION: 25,
    COMMON_RULE_SET: 700,
    KNOWN_BAD_INPUTS: 200,
    SQL_INJECTION: 200,
}
"""The AWS managed rule groups this component uses (vendor AWS) and their fixed capacity.
CRS 700: AWS's "Baseline rule groups" page
(https://docs.aws.amazon.com/waf/latest/developerguide/aws-managed-rule-groups-baseline.html).
KnownBadInputs 200, SQLi 200, IpReputation 25: AWS's managed rule groups list
(https://docs.aws.amazon.com/waf/latest/developerguide/aws-managed-rule-groups-list.html), not
checked against the API here (`aws wafv2 describe-managed-rule-group` returns `Capacity`)."""

RATE_RULE_WCU = 2
"""A rate-based statement with the IP or FORWARDED_IP key and no scope-down statement
(UNCONFIRMED: the base cost AWS lists for rate-based statements)."""
IP_SET_WCU = 1
"""One IP set reference statement (UNCONFIRMED: AWS lists 1 per reference; a forwarded-IP
config may cost more, check with `aws wafv2 check-capacity`)."""
WCU_INCLUDED = 1500
"""WCUs the base price covers; above it each 500 WCUs add a per-request charge."""
WCU_MAX = 5000
"""A web ACL's hard maximum (AWS WAF quotas)."""

RATE_WINDOWS = (60, 120, 300, 600)
"""Rate-based rule evaluation windows AWS accepts (seconds)."""
RATE_LIMIT_MIN = 10
"""AWS: "The lowest limit setting allowed is 10"."""
RATE_LIMIT_MAX = 2_000_000_000
IP_SET_MAX_ADDRESSES = 10_000
"""Addresses per IP set (AWS WAF quota)."""
REDACTED_MAX = 100
"""Redacted fields per logging configuration (SDK docstring)."""
ALWAYS_REDACTED = ("authorization", "cookie")
"""Headers every WAF log redacts: credentials and sessions never reach the log group."""

WAF_NAME = re.compile(r"^[\w-]{1,128}$", re.ASCII)
"""Web ACL, IP set and rule names: 1-128 of A-Z a-z 0-9 _ -."""
WAF_DESCRIPTION = re.compile(r"^[\w+=:#@/\-,.][\w+=:#@/\-,.\s]+[\w+=:#@/\-,.]$", re.ASCII)
"""Web ACL and IP set descriptions (the WAFv2 API's EntityDescription, botocore's model): 1-256
of letters, digits and `_+=:#@/-,.` and spaces; no parentheses or semicolons (mocks accept
them, AWS answers WAFInvalidParameterException)."""
METRIC_NAME = re.compile(r"^[A-Za-z0-9_-]{1,128}$")
"""VisibilityConfig.MetricName: 1-128 of A-Za-z0-9-_, no whitespace."""
RESERVED_METRIC_NAMES = frozenset({"All", "Default_Action"})
HEADER_NAME = re.compile(r"^[a-z0-9!#$%&'*+.^_`|~-]{1,64}$")
"""A lowercase HTTP header token (the logging configuration wants lowercase names)."""
LOG_GROUP_PREFIX = "aws-waf-logs-"
LOG_GROUP_MAX = 512
LOG_DELIVERY = "delivery.logs.amazonaws.com"
LOGGED_ACTIONS = ("BLOCK", "COUNT", "EXCLUDED_AS_COUNT")
"""What `log_filter: blocked_and_counted` keeps (the rest is dropped before ingestion)."""
FORWARDED_HEADER = "X-Forwarded-For"

PRIORITIES = {
    "deny-list": 0, "allow-list": 1, IP_REPUTATION: 10, "rate-limit": 20,
    COMMON_RULE_SET: 30, KNOWN_BAD_INPUTS: 40, SQL_INJECTION: 50,
}
"""Evaluation order (lowest first): the deny list, the allow list, then the managed groups
with the cheap IP reputation list first and the rate limit before the body-inspecting
groups."""

RATE_RULE = "rate-limit"


class ManagedGroupSettings(ArgsModel):
    """How one AWS managed rule group runs: blocking, or counting while a team tunes it."""

    count: bool = False
    """Count mode: the group's matches are counted and logged, never blocked (default false:
    block). Roll a group out in count mode, read the logs, then switch it off."""
    rule_action_overrides: dict[Annotated[str, Field(pattern=r"^[\w-]{1,128}$")], RuleAction] = (
        Field(default_factory=dict))
    """Per-rule action instead of the group's, e.g. {SizeRestrictions_BODY: count} for an
    upload endpoint (default none)."""
    version: Annotated[str, Field(pattern=r"^Version_[\w.-]{1,60}$")] | None = None
    """Pinned static version, e.g. Version_1.10 (default none: AWS's default version, updated
    by AWS)."""


class WebFirewallSettings(ArgsModel):
    """The web ACL's tunables. Metrics on every rule, the visibility config, logging with
    authorization and cookie redacted and the log group's resource policy are always on."""

    ip_reputation: bool = True
    """AWSManagedRulesAmazonIpReputationList (default true: blocks sources AWS threat
    intelligence lists; 25 WCU)."""
    common_rule_set: bool = True
    """AWSManagedRulesCommonRuleSet, OWASP-style core rules (default true; 700 WCU)."""
    known_bad_inputs: bool = True
    """AWSManagedRulesKnownBadInputsRuleSet: Log4j, Java deserialization, exploitable paths
    (default true; 200 WCU)."""
    sql_injection: bool = True
    """AWSManagedRulesSQLiRuleSet (default true; the stacks set it to whether the app has a
    database; 200 WCU)."""
    managed_groups: dict[str, ManagedGroupSettings] = Field(default_factory=dict)
    """Count mode, rule overrides or a pinned version per managed group, keyed by the group's
    AWS name, e.g. {AWSManagedRulesCommonRuleSet: {count: true}} (default none: every group
    blocks). A group switched off above ignores its entry."""
    rate_limit: Annotated[int, Field(ge=RATE_LIMIT_MIN, le=RATE_LIMIT_MAX)] = 2000
    """Requests per rate window from one client before the rate rule blocks it (default 2000
    per 5 minutes, about 7 a second sustained; AWS's minimum is 10)."""
    rate_window_seconds: Literal[60, 120, 300, 600] = 300
    """The rate rule's evaluation window in seconds (default 300, AWS's default)."""
    rate_key: Literal["IP", "FORWARDED_IP"] = "IP"
    """What a client is for the rate limit and the IP lists (default IP: the connection's
    source). Behind CloudFront an ALB's ACL sees CloudFront's addresses: use FORWARDED_IP (the
    X-Forwarded-For header) there, or put the ACL on the distribution."""
    allow_cidrs: list[str] = Field(default_factory=list)
    """CIDRs (IPv4 and IPv6) allowed past every other rule except the deny list, e.g. office
    or monitoring ranges (default none: no allow list, no IP set)."""
    deny_cidrs: list[str] = Field(default_factory=list)
    """CIDRs (IPv4 and IPv6) always blocked, evaluated first (default none: no deny list)."""
    sampled_requests: bool = True
    """Keep samples of matching requests for the console (default true; samples are not
    redacted by the logging configuration)."""
    log_retention_days: int = 365
    """Retention of the WAF log group (default 365 days: a year to investigate incidents)."""
    extra_redacted_headers: list[str] = Field(default_factory=list)
    """Headers redacted in the logs besides authorization and cookie, e.g. x-api-key (default
    none). Lowercase."""
    log_filter: Literal["all", "blocked_and_counted"] = "all"
    """Which requests are logged (default all: an allowed request that should have been
    blocked is only visible in the logs; blocked_and_counted drops ALLOW records to cut log
    ingestion cost)."""

    @field_validator("allow_cidrs", "deny_cidrs")
    @classmethod
    def _cidrs(cls, v: list[str]) -> list[str]:
        return [check_cidr(c) for c in v]

    @field_validator("extra_redacted_headers")
    @classmethod
    def _headers(cls, v: list[str]) -> list[str]:
        out = []
        for header in v:
            lowered = header.strip().lower()
            if not HEADER_NAME.match(lowered):
                raise ValueError(f"{header!r} is not an HTTP header name")
            out.append(lowered)
        return list(dict.fromkeys(out))

    @field_validator("log_retention_days")
    @classmethod
    def _retention(cls, v: int) -> int:
        return check_retention(v)

    @field_validator("managed_groups")
    @classmethod
    def _groups(cls, v: dict[str, ManagedGroupSettings]) -> dict[str, ManagedGroupSettings]:
        for group in v:
            if group not in MANAGED_GROUP_WCU:
                close = difflib.get_close_matches(group, list(MANAGED_GROUP_WCU), n=1)
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                raise ValueError(f"unknown managed rule group {group!r}{hint}; known: "
                                 f"{', '.join(MANAGED_GROUP_WCU)}")
        return v

    @model_validator(mode="after")
    def _shape(self) -> WebFirewallSettings:
        for key, cidrs in (("allow_cidrs", self.allow_cidrs), ("deny_cidrs", self.deny_cidrs)):
            for version in (4, 6):
                n = sum(1 for c in cidrs if ipaddress.ip_network(c).version == version)
                if n > IP_SET_MAX_ADDRESSES:
                    raise ValueError(f"{key} has {n} IPv{version} ranges; an IP set holds at "
                                     f"most {IP_SET_MAX_ADDRESSES}")
        both = sorted(set(self.allow_cidrs) & set(self.deny_cidrs))
        if both:
            raise ValueError(f"{', '.join(both)} is in both allow_cidrs and deny_cidrs")
        if len(ALWAYS_REDACTED) + len(set(self.extra_redacted_headers) - set(ALWAYS_REDACTED)) > (
                REDACTED_MAX):
            raise ValueError(f"at most {REDACTED_MAX} redacted fields")
        wcu = capacity(self)
        if wcu > WCU_MAX:
            raise ValueError(f"the rules need {wcu} WCUs; a web ACL holds at most {WCU_MAX}")
        return self

    # -- derived ---------------------------------------------------------------------------

    @property
    def enabled_groups(self) -> list[str]:
        """The managed groups in evaluation order."""
        on = {IP_REPUTATION: self.ip_reputation, COMMON_RULE_SET: self.common_rule_set,
              KNOWN_BAD_INPUTS: self.known_bad_inputs, SQL_INJECTION: self.sql_injection}
        return sorted((g for g, enabled in on.items() if enabled), key=PRIORITIES.__getitem__)

    def group(self, name: str) -> ManagedGroupSettings:
        return self.managed_groups.get(name) or ManagedGroupSettings()

    @property
    def redacted_headers(self) -> list[str]:
        return list(dict.fromkeys([*ALWAYS_REDACTED, *self.extra_redacted_headers]))

    def cidrs(self, which: Literal["allow", "deny"], version: Literal[4, 6]) -> list[str]:
        listed = self.allow_cidrs if which == "allow" else self.deny_cidrs
        return [c for c in listed if ipaddress.ip_network(c).version == version]

    @property
    def rate_per_five_minutes(self) -> float:
        """The rate limit scaled to 5 minutes (the alarms' period)."""
        return self.rate_limit * 300 / self.rate_window_seconds


def check_cidr(value: str) -> str:
    """A CIDR WAF accepts, normalised (a bare address becomes /32 or /128); /0 and ranges with
    host bits set are refused (AWS takes CIDR notation and "all ranges except /0")."""
    text = str(value).strip()
    try:
        network = ipaddress.ip_network(text, strict=True)
    except ValueError as exc:
        try:
            loose = ipaddress.ip_network(text, strict=False)
        except ValueError:
            raise ValueError(f"{value!r} is not an IPv4 or IPv6 CIDR ({exc})") from None
        raise ValueError(f"{value!r} has host bits set; did you mean {loose}?") from None
    if network.prefixlen == 0:
        raise ValueError(f"{value!r}: WAF IP sets refuse /0 (use the default action instead)")
    return str(network)


def capacity(s: WebFirewallSettings) -> int:
    """The WCUs the configured rules use: each managed group's fixed capacity, the rate rule,
    and one per IP set reference (pure; AWS computes the real figure, `CheckCapacity`)."""
    total = sum(MANAGED_GROUP_WCU[g] for g in s.enabled_groups) + RATE_RULE_WCU
    for which in ("allow", "deny"):
        for version in (4, 6):
            if s.cidrs(which, version):
                total += IP_SET_WCU
    return total


def rule_count(s: WebFirewallSettings) -> int:
    """Rules in the ACL (each rule and each rule group is billed as one rule)."""
    return (len(s.enabled_groups) + 1
            + sum(1 for which in ("allow", "deny")
                  if s.cidrs(which, 4) or s.cidrs(which, 6)))


# --------------------------------------------------------------------------------------------
# pure planning: names, rules, documents
# --------------------------------------------------------------------------------------------


def acl_name(naming: Naming) -> str:
    """The web ACL's name (also its metric name): `<prefix>-<name>`, a WAF name."""
    return naming.name(max_length=128)


def log_group_name(naming: Naming) -> str:
    """`aws-waf-logs-<prefix>-<name>`: WAF writes only to destinations with that prefix."""
    return f"{LOG_GROUP_PREFIX}{naming.name(max_length=LOG_GROUP_MAX - len(LOG_GROUP_PREFIX))}"


def check_metric_name(value: str) -> str:
    if not METRIC_NAME.match(value) or value in RESERVED_METRIC_NAMES:
        raise ValueError(f"{value!r} is not a WAF metric name (1-128 of A-Za-z0-9-_, not "
                         f"{' or '.join(sorted(RESERVED_METRIC_NAMES))})")
    return value


def waf_description(text: str) -> str:
    """`text` as a WAF description: <= 256 characters, ValueError outside WAF's charset."""
    text = text[:256].rstrip()
    if not WAF_DESCRIPTION.match(text):
        raise ValueError(f"{text!r} is not a WAF description (letters, digits, spaces and "
                         "_+=:#@/-,. only)")
    return text


def visibility(metric: str, sampled: bool) -> Any:
    """A VisibilityConfig (as a dict: `Any` for the SDK's TypedDict overloads)."""
    return {"cloudwatch_metrics_enabled": True, "metric_name": check_metric_name(metric),
            "sampled_requests_enabled": sampled}


@dataclass(frozen=True)
class IpSetRef:
    """One IP set a rule references: its key (deny-ipv4...) and ARN."""

    key: str
    arn: Input[str]


def _forwarded(s: WebFirewallSettings, fallback: str) -> dict[str, Any]:
    return {"header_name": FORWARDED_HEADER, "fallback_behavior": fallback}


def _ip_statement(s: WebFirewallSettings, ref: IpSetRef) -> dict[str, Any]:
    statement: dict[str, Any] = {"arn": ref.arn}
    if s.rate_key == "FORWARDED_IP":
        # LAST: the address the proxy in front (CloudFront) appended, not one a client wrote
        # itself; a missing or invalid header never matches an allow or a deny list.
        statement["ip_set_forwarded_ip_config"] = {**_forwarded(s, "NO_MATCH"), "position": "LAST"}
    return {"ip_set_reference_statement": statement}


def plan_rules(s: WebFirewallSettings, ip_sets: Mapping[str, Sequence[IpSetRef]]) -> list[Any]:
    """The ACL's rules (WebAclRuleArgs as dicts), in priority order. `ip_sets`: "allow" and
    "deny" -> the IP sets created for them (empty: no rule)."""
    sampled = s.sampled_requests
    rules: list[dict[str, Any]] = []
    for which, action in (("deny", "block"), ("allow", "allow")):
        refs = list(ip_sets.get(which, ()))
        if not refs:
            continue
        statements = [_ip_statement(s, r) for r in refs]
        statement = statements[0] if len(statements) == 1 else {"or_statement": {
            "statements": statements}}
        name = f"{which}-list"
        rules.append({"name": name, "priority": PRIORITIES[name], "action": {action: {}},
                      "statement": statement, "visibility_config": visibility(name, sampled)})
    rate: dict[str, Any] = {"limit": s.rate_limit, "evaluation_window_sec": s.rate_window_seconds,
                            "aggregate_key_type": s.rate_key}
    if s.rate_key == "FORWARDED_IP":
        rate["forwarded_ip_config"] = _forwarded(s, "MATCH")
    rules.append(_rate_rule(rate, sampled))
    rules += [_group_rule(s, group) for group in s.enabled_groups]
    return sorted(rules, key=lambda r: r["priority"])


def _rate_rule(rate: dict[str, Any], sampled: bool) -> dict[str, Any]:
    return {"name": RATE_RULE, "priority": PRIORITIES[RATE_RULE], "action": {"block": {}},
            "statement": {"rate_based_statement": rate},
            "visibility_config": visibility(RATE_RULE, sampled)}


def _group_rule(s: WebFirewallSettings, group: str) -> dict[str, Any]:
    tuning = s.group(group)
    statement: dict[str, Any] = {"name": group, "vendor_name": "AWS"}
    if tuning.version:
        statement["version"] = tuning.version
    if tuning.rule_action_overrides:
        statement["rule_action_overrides"] = [
            {"name": rule, "action_to_use": {action: {}}}
            for rule, action in sorted(tuning.rule_action_overrides.items())]
    return {"name": group, "priority": PRIORITIES[group],
            # A rule group's rules act themselves; override_action none keeps them, count
            # turns the whole group into counting. `action` is refused for group references.
            "override_action": {"count" if tuning.count else "none": {}},
            "statement": {"managed_rule_group_statement": statement},
            "visibility_config": visibility(group, s.sampled_requests)}


def log_policy(*, log_group_arn: str, account_id: str, partition: str, region: str) -> dict[str, Any]:
    """The log group's resource policy: log delivery may create streams and put events in
    this group only, on behalf of this account (confused-deputy conditions)."""
    return log_write_policy(sid="WafLogDeliveryToThisGroup", service=LOG_DELIVERY,
                            log_group_arn=log_group_arn, account_id=account_id,
                            source_arn=f"arn:{partition}:logs:{region}:{account_id}:*")


def logging_filter(s: WebFirewallSettings) -> Any:
    if s.log_filter == "all":
        return None
    return {"default_behavior": "DROP", "filters": [{
        "behavior": "KEEP", "requirement": "MEETS_ANY",
        "conditions": [{"action_condition": {"action": a}} for a in LOGGED_ACTIONS]}]}


class WebFirewallArgs(ComponentArgs, WebFirewallSettings):
    """Everything `WebFirewall` takes: its settings plus where it applies."""

    scope: Scope = "REGIONAL"
    """REGIONAL (an ALB, API Gateway stage... in this region; default) or CLOUDFRONT (a
    distribution's `web_acl_id`; the ACL must be created in us-east-1: pass us-east-1 options)."""
    logs_key_arn: Input[str] | None = None
    """KMS key ARN of the WAF log group (required, e.g. `EnvironmentKeys.logs`; for
    CLOUDFRONT scope a key in us-east-1)."""
    resource_arns: Sequence[Input[str]] = ()
    """ARNs to associate the ACL with, e.g. the ALB's `arn` (REGIONAL only; default none: the
    caller associates it)."""
    account: AccountContext | None = None
    """Region, partition and account id (default none: looked up through the provider)."""


_REQUIRED = {"logs_key_arn": "a KMS key ARN for the aws-waf-logs- log group"}


class WebFirewall(pulumi.ComponentResource):
    """A WAFv2 web ACL with its IP sets, its log group, the group's resource policy, the logging
    configuration and its associations.

    `WebFirewall(name, WebFirewallArgs(...), opts)`. Outputs: `arn`, `name` (the ACL's name,
    the alarms' WebACL dimension), `id`, `metric_name`, `rate_rule_metric_name`, `scope`,
    `capacity` (WCUs, computed here), `log_group_name`, `log_group_arn`; `web_acl`,
    `log_group` and `associations` are the resources.
    """

    web_acl: aws.wafv2.WebAcl

    def __init__(self, name: str, args: WebFirewallArgs | None = None,
                 opts: pulumi.ResourceOptions | None = None):
        args = args if args is not None else WebFirewallArgs()
        naming = component_naming("WebFirewall", name, args)
        require("WebFirewall", name, args, _REQUIRED)
        if isinstance(args.resource_arns, str):
            raise TypeError(f"WebFirewall {name!r}: WebFirewallArgs.resource_arns must be a list "
                            "of ARNs, got a string")
        if args.scope == "CLOUDFRONT":
            if args.resource_arns:
                raise ValueError(f"WebFirewall {name!r}: WebFirewallArgs.resource_arns must be "
                                 "empty with scope CLOUDFRONT (a distribution takes the ACL's arn "
                                 "as its web_acl_id; WebAclAssociation can't attach CloudFront)")
            if args.account is not None and args.account.region != "us-east-1":
                raise ValueError(f"WebFirewall {name!r}: WebFirewallArgs.scope CLOUDFRONT needs "
                                 f"us-east-1; WebFirewallArgs.account is in {args.account.region} "
                                 "(pass options with a us-east-1 provider and its account)")
        acl = checked_id("WebFirewall", name, "web ACL name", acl_name(naming), WAF_NAME,
                         "WAF name (1-128 of A-Za-z0-9_-)")
        group_name = log_group_name(naming)
        super().__init__("groundwork:edge:WebFirewall", name, None, opts)
        self.args = args
        account = account_for(args.account, self)
        self.region: str = account.region
        account_id = pulumi.Output.from_input(account.account_id)
        tags = {"Component": "web-firewall"}

        self.ip_sets: dict[str, aws.wafv2.IpSet] = {}
        refs: dict[str, list[IpSetRef]] = {"deny": [], "allow": []}
        for which in ("deny", "allow"):
            for version in (4, 6):
                cidrs = args.cidrs(which, version)
                if not cidrs:
                    continue
                key = f"{which}-ipv{version}"
                set_name = naming.name(key, max_length=128)
                ip_set = aws.wafv2.IpSet(
                    f"{name}-{key}",
                    name=set_name,
                    description=waf_description(f"{which} list, IPv{version}, of {acl}"),
                    scope=args.scope,
                    ip_address_version=f"IPV{version}",
                    addresses=cidrs,
                    tags=naming.tagged(set_name, **tags),
                    opts=child_opts(self),
                )
                self.ip_sets[key] = ip_set
                refs[which].append(IpSetRef(key, ip_set.arn))

        self.capacity: int = capacity(args)
        self.rules = plan_rules(args, refs)
        self.web_acl = aws.wafv2.WebAcl(
            f"{name}-acl",
            name=acl,
            description=waf_description(f"groundwork web firewall {acl}, {args.scope}, "
                                        f"{self.capacity} WCU computed"),
            scope=args.scope,
            default_action=aws.wafv2.WebAclDefaultActionArgs(
                allow=aws.wafv2.WebAclDefaultActionAllowArgs()),
            rules=self.rules,
            visibility_config=visibility(acl, args.sampled_requests),
            tags=naming.tagged(acl, **tags),
            opts=child_opts(self),
        )

        self.log_group = aws.cloudwatch.LogGroup(
            f"{name}-logs",
            name=group_name,
            retention_in_days=args.log_retention_days,
            kms_key_id=args.logs_key_arn,
            tags=naming.tagged(group_name, **tags),
            opts=child_opts(self),
        )
        self.log_policy = aws.cloudwatch.LogResourcePolicy(
            f"{name}-logs-policy",
            resource_arn=self.log_group.arn,
            policy_document=pulumi.Output.all(self.log_group.arn, account_id).apply(
                lambda a: json.dumps(log_policy(log_group_arn=a[0], account_id=a[1],
                                                partition=account.partition,
                                                region=account.region))),
            opts=child_opts(self),
        )
        self.logging = aws.wafv2.WebAclLoggingConfiguration(
            f"{name}-logging",
            resource_arn=self.web_acl.arn,
            log_destination_configs=[self.log_group.arn],
            redacted_fields=[{"single_header": {"name": h}} for h in args.redacted_headers],
            logging_filter=logging_filter(args),
            # Without the group's own policy WAF writes the account-wide AWSWAF-LOGS one.
            opts=child_opts(self, depends_on=[self.log_policy]),
        )

        self.associations: list[aws.wafv2.WebAclAssociation] = [
            aws.wafv2.WebAclAssociation(
                f"{name}-association-{index}",
                resource_arn=resource_arn,
                web_acl_arn=self.web_acl.arn,
                # The ALB (through resource_arn) and the ACL first; AWS may still answer
                # WAFUnavailableEntityException right after creating them: re-run.
                opts=child_opts(self, depends_on=[self.web_acl]),
            )
            for index, resource_arn in enumerate(args.resource_arns)
        ]

        self.scope: Scope = args.scope
        self.arn: pulumi.Output[str] = self.web_acl.arn
        self.name: pulumi.Output[str] = self.web_acl.name
        self.id: pulumi.Output[str] = self.web_acl.id
        self.metric_name: str = acl
        self.rate_rule_metric_name: str = RATE_RULE
        self.log_group_name: pulumi.Output[str] = self.log_group.name
        self.log_group_arn: pulumi.Output[str] = self.log_group.arn
        self.register_outputs({
            "arn": self.arn, "name": self.name, "id": self.id, "metric_name": self.metric_name,
            "rate_rule_metric_name": self.rate_rule_metric_name, "scope": self.scope,
            "capacity": self.capacity, "log_group_name": self.log_group_name,
            "log_group_arn": self.log_group_arn,
        })
