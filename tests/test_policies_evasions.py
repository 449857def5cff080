"""Evasions (issue: guardrails that can't be walked around): inputs that AWS accepts and that a
rule's control is meant to catch, each a failing case; next to them the passing cases that keep
each rule from being "always fire". The rules: ECS.20 non-root (`ecs-non-root-user`), ECS.8
(`ecs-no-secrets-in-environment`, with the shared name heuristics of `no-plaintext-secrets`),
ELB.17 (`elb-tls-policy`), ELB.1 (`elb-http-redirects-to-https`, listener rules included) and
EC2.18/19 (`ec2-no-world-ingress`, the union of every CIDR reaching a port).

Each evasion is listed in docs/policies.md under "Tested evasions"."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from pulumi_policy import PolicyResource

from groundwork.check import check_records, synthetic, validate_resource, validate_stack
from groundwork.engine import PlanResult
from groundwork.policies import rules
from groundwork.policies.rules import load_balancer as lb_rules

COVERED_RULES = {"ecs-non-root-user", "ecs-no-secrets-in-environment", "elb-tls-policy",
                 "elb-http-redirects-to-https", "ec2-no-world-ingress"}

RULES = rules.by_name()
TASK = "aws:ecs/taskDefinition:TaskDefinition"
LB = "aws:lb/loadBalancer:LoadBalancer"
LISTENER = "aws:lb/listener:Listener"
ALB_LISTENER = "aws:alb/listener:Listener"
RULE = "aws:lb/listenerRule:ListenerRule"
ALB_RULE = "aws:alb/listenerRule:ListenerRule"
SG = "aws:ec2/securityGroup:SecurityGroup"
INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
SG_RULE = "aws:ec2/securityGroupRule:SecurityGroupRule"
PREFIX_LIST = "aws:ec2/managedPrefixList:ManagedPrefixList"
PREFIX_ENTRY = "aws:ec2/managedPrefixListEntry:ManagedPrefixListEntry"


def _container(**overrides: Any) -> dict[str, Any]:
    base = {"name": "app", "image": "app:1.0.0", "user": "10001:10001", "readonlyRootFilesystem": True,
            "privileged": False, "environment": [{"name": "LOG_LEVEL", "value": "info"}],
            "logConfiguration": {"logDriver": "awslogs", "options": {"awslogs-group": "/app"}}}
    return {**base, **overrides}


def _task(*containers: dict[str, Any] | str) -> dict[str, Any]:
    defs = [c if isinstance(c, str) else json.dumps(c) for c in (containers or (_container(),))]
    return {"family": "app", "containerDefinitions": "[" + ", ".join(defs) + "]"}


# --------------------------------------------------------------------------------------------
# ECS.20: containers run as a non-root user
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("user", [
    # named in the issue
    "", "0", "root", "00",
    # uid:gid and user:group forms (Docker and ECS take uid, uid:gid, uid:group, user, user:gid, user:group)
    "0:0", "0:1000", "00:1000", "root:root", "root:1000", "0:root",
    # other spellings of uid 0 (Go's strconv.Atoi, which runc uses, takes a sign and leading zeros)
    "+0", "-0", "000000", " 0", "0 ", " root", "ROOT",
])
def test_root_users_fail(user):
    found = validate_resource(RULES["ecs-non-root-user"], TASK, _task(_container(user=user)))
    assert len(found) == 1 and "container 'app' runs as" in found[0], (user, found)


def test_a_missing_user_fails():
    found = validate_resource(RULES["ecs-non-root-user"], TASK,
                              _task({k: v for k, v in _container().items() if k != "user"}))
    assert len(found) == 1 and "image default user" in found[0]


def test_a_root_sidecar_fails_next_to_a_non_root_app():
    found = validate_resource(RULES["ecs-non-root-user"], TASK,
                              _task(_container(), _container(name="sidecar", user="0:0")))
    assert len(found) == 1 and "container 'sidecar'" in found[0]


@pytest.mark.parametrize("raw", [
    # the provider decodes containerDefinitions with Go's encoding/json, which matches keys
    # case-insensitively (and with Unicode folding: a long s is an s) and lets the last one win
    '{"name": "app", "user": "1000", "User": "0", "readonlyRootFilesystem": true}',
    '{"name": "app", "USER": "root", "readonlyRootFilesystem": true}',
    '{"name": "app", "user": "1000", "u\u017fer": "0", "readonlyRootFilesystem": true}',
    r'{"name": "app", "user": "1000", "u\u017fer": "0", "readonlyRootFilesystem": true}',  # JSON escape
    # JSON's own duplicate key: the last one wins there too
    '{"name": "app", "user": "1000", "user": "0", "readonlyRootFilesystem": true}',
])
def test_key_spellings_the_provider_reads_as_user(raw):
    found = validate_resource(RULES["ecs-non-root-user"], TASK, _task(raw))
    assert len(found) == 1 and "runs as root" in found[0], found


def test_key_spellings_reach_the_other_container_rules():
    """Each case fires (or passes) only if the rule reads the key in that spelling: a missing
    readonlyRootFilesystem fires ECS.5 too, so the read-only cases pass on a true value and
    fire on a later false one."""
    raw = '{"name": "app", "user": "1000", "readonlyRootFilesystem": true, "Privileged": true}'
    [message] = validate_resource(RULES["ecs-not-privileged"], TASK, _task(raw))
    assert "container 'app' runs privileged" in message
    read_only = RULES["ecs-read-only-root"]
    raw = '{"name": "app", "user": "1000", "ReadonlyRootFilesystem": true}'
    assert validate_resource(read_only, TASK, _task(raw)) == []
    raw = '{"name": "app", "user": "1000", "readonlyRootFilesystem": true, "READONLYROOTFILESYSTEM": false}'
    [message] = validate_resource(read_only, TASK, _task(raw))
    assert "container 'app' has a writable root filesystem" in message


@pytest.mark.parametrize("user", ["1000", "1000:1000", "10001:10001", "1000:0", "app", "app:app", "nobody",
                                  "65534:65534", "app:1000", "1000:app", "0100"])
def test_non_root_users_pass(user):
    assert validate_resource(RULES["ecs-non-root-user"], TASK, _task(_container(user=user))) == []


# --------------------------------------------------------------------------------------------
# ECS.8: no secrets in container environment variables
# --------------------------------------------------------------------------------------------


def _env(name: str, value: Any) -> list[str]:
    return validate_resource(RULES["ecs-no-secrets-in-environment"], TASK,
                             _task(_container(environment=[{"name": name, "value": value}])))


@pytest.mark.parametrize(("name", "value"), [
    # named in the issue: AWS's ECS.8 list whatever the value, and a numeric password
    ("ECS_ENGINE_AUTH_DATA", '{"https://index.docker.io/v1/":{"username":"u","password":"p"}}'),
    ("AWS_ACCESS_KEY_ID", "not-an-akia-value"), ("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG"),
    ("DB_PASSWORD", "123456"),
    # the ECS.8 list with any value, even empty, and in any case
    ("AWS_ACCESS_KEY_ID", ""), ("aws_secret_access_key", "x"),
    # secret-looking names in other case/separator forms
    ("dbPassword", "hunter2"), ("DB-PASS", "hunter2"), ("db.pass", "hunter2"), ("DbPwd", "hunter2"),
    ("ApiKey", "abc"), ("APIKEY", "abc"), ("STRIPE_KEY", "abc"), ("mailgunKey", "abc"),
    ("STRIPE_SECRET", "abc"), ("clientSecret", "abc"),
    ("GITHUB_TOKEN", "abc"), ("accessToken", "abc"), ("PRIVATE_KEY", "abc"), ("GOOGLE_CREDENTIALS", "{}"),
    ("DB_CREDS", "u:p"), ("BASIC_AUTH", "user:pass"), ("PASSWORD_SALT", "abc"),
    # booleans aside, a short or "null" value is still a value
    ("ADMIN_PASSWORD", "0"), ("ADMIN_PASSWORD", "null"), ("ADMIN_PASSWORD", "none"),
    # a "reference" suffix with a value that is not what the suffix says
    ("DB_PASSWORD_LENGTH", "hunter2hunter2"), ("API_TOKEN_TTL", "s3cr3t"), ("DB_SECRET_ARN", "hunter2"),
    ("AUTH_TOKEN_ENABLED", "s3cr3t-value"), ("DB_PASSWORD_FILE", "hunter2"),
    ("SECRET_KEY_URL", "not a url"),
    # a value that looks like an ARN is a reference only if it is one
    ("DB_PASSWORD", "arn:hunter2"),
    # values that are credentials whatever the name
    ("REDIS_URL", "redis://:hunter2@cache:6379/0"), ("DATABASE_URL", "postgres://db/app?password=hunter2"),
    ("CONN", "Server=db;User Id=app;Password=hunter2;"), ("CONFIG", "ghp_" + "a" * 36),
    ("HOOK", "xoxb-1234567890-abcdefghij"), ("BILLING", "sk_live_" + "a" * 24),
    ("SESSION", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl"),
])
def test_secrets_in_the_environment_fail(name, value):
    found = _env(name, value)
    assert len(found) == 1 and f"environment variable {name}" in found[0], (name, value, found)


def test_environment_key_spellings_the_provider_reads():
    raw = '{"name": "app", "user": "1000", "environment": [{"Name": "DB_PASSWORD", "Value": "hunter2"}]}'
    found = validate_resource(RULES["ecs-no-secrets-in-environment"], TASK, _task(raw))
    assert len(found) == 1 and "DB_PASSWORD" in found[0]
    raw = '{"name": "app", "user": "1000", "Environment": [{"name": "API_KEY", "value": "x"}]}'
    assert len(validate_resource(RULES["ecs-no-secrets-in-environment"], TASK, _task(raw))) == 1


@pytest.mark.parametrize(("name", "value"), [
    ("LOG_LEVEL", "debug"), ("PASSWORD_MIN_LENGTH", "12"), ("TOKEN_TTL", "3600"),
    ("SECRET_ARN", "arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf"),
    ("DB_PASSWORD", "arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf"),
    ("DB_PASSWORD_FILE", "/run/secrets/db"), ("AUTH_ENABLED", "true"), ("TOKEN_REQUIRED", "false"),
    ("TOKENIZERS_PARALLELISM", "false"), ("CACHE_KEY_PREFIX", "app:"), ("COMPASS_URL", "https://x.io"),
    ("BYPASS_CACHE", "1"), ("PASSTHROUGH", "on"), ("SECRET_NAME", "prod/app/db"),
    ("OAUTH_ISSUER_URL", "https://login.example.com"), ("API_KEY_HEADER", "X-Api-Key"),
    ("DATABASE_URL", "postgres://db.internal:5432/app"), ("PWD", "/app"), ("AWS_REGION", "eu-west-1"),
    ("DB_PASSWORD", ""), ("SECRETS_REGION", "us-east-1"), ("TOKEN_LENGTH", "32"),
    ("AlarmKey", "database-rds-cpu"), ("SORT_KEY", "created_at"), ("KMS_KEY", "alias/app"),
])
def test_plain_settings_pass(name, value):
    assert _env(name, value) == [], (name, value)


def test_plaintext_secrets_rule_uses_the_same_names():
    """`no-plaintext-secrets` (tags, a function's environment) reads names the same way."""
    rule = RULES["no-plaintext-secrets"]
    fn = "aws:lambda/function:Function"
    for name, value in (("DB_PASSWORD", "123456"), ("dbPassword", "x"), ("AWS_SECRET_ACCESS_KEY", "x"),
                        ("REDIS_URL", "redis://:pw@cache:6379")):
        found = validate_resource(rule, fn, {"environment": {"variables": {name: value}}})
        assert len(found) == 1 and name in found[0], (name, found)
    assert validate_resource(rule, fn, {"environment": {"variables": {"PASSWORD_MIN_LENGTH": "12"}}}) == []


# --------------------------------------------------------------------------------------------
# ELB.17: the exact list of recommended security policies
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("props", "fragment"), [
    # named in the issue: TLS13 names that still negotiate TLS 1.0/1.1
    ({"protocol": "HTTPS", "sslPolicy": "ELBSecurityPolicy-TLS13-1-0-2021-06"}, "TLS13-1-0"),
    ({"protocol": "HTTPS", "sslPolicy": "ELBSecurityPolicy-TLS13-1-1-2021-06"}, "TLS13-1-1"),
    # TLS13 names AWS leaves off the ELB.17 list (TLS 1.2 with CBC/SHA1 ciphers, or not restricted)
    ({"protocol": "HTTPS", "sslPolicy": "ELBSecurityPolicy-TLS13-1-2-Ext1-2021-06"}, "Ext1"),
    ({"protocol": "HTTPS", "sslPolicy": "ELBSecurityPolicy-TLS13-1-2-Ext2-2021-06"}, "Ext2"),
    ({"protocol": "HTTPS", "sslPolicy": "ELBSecurityPolicy-TLS13-1-2-2021-06"}, "TLS13-1-2-2021-06"),
    ({"protocol": "HTTPS", "sslPolicy": "ELBSecurityPolicy-TLS13-1-2-FIPS-2023-04"}, "FIPS-2023-04"),
    ({"protocol": "HTTPS", "sslPolicy": "ELBSecurityPolicy-TLS13-1-2-PQ-2025-09"}, "PQ-2025-09"),
    # a TLS 1.2-only policy, and names that only look like listed ones
    ({"protocol": "HTTPS", "sslPolicy": "ELBSecurityPolicy-FS-1-2-Res-2020-10"}, "FS-1-2-Res"),
    ({"protocol": "HTTPS", "sslPolicy": "ELBSecurityPolicy-TLS13-1-3-2021-06-custom"}, "custom"),
    ({"protocol": "HTTPS", "sslPolicy": " ELBSecurityPolicy-TLS13-1-3-2021-06"}, "TLS13-1-3"),
    # no policy at all: AWS (API, CloudFormation, Terraform/Pulumi) then uses ELBSecurityPolicy-2016-08
    ({"protocol": "HTTPS"}, "ELBSecurityPolicy-2016-08"),
    ({"protocol": "TLS", "port": 443}, "ELBSecurityPolicy-2016-08"),
    ({"protocol": "https", "sslPolicy": "ELBSecurityPolicy-2016-08"}, "2016-08"),
    ({"protocol": "TLS", "sslPolicy": "ELBSecurityPolicy-TLS13-1-0-2021-06"}, "TLS13-1-0"),
])
def test_tls_policies_off_the_elb17_list_fail(props, fragment):
    for kind in (LISTENER, ALB_LISTENER):
        found = validate_resource(RULES["elb-tls-policy"], kind, props)
        assert len(found) == 1 and fragment in found[0], (props, found)


@pytest.mark.parametrize("policy", sorted(lb_rules.ELB17_POLICIES))
def test_every_policy_on_the_elb17_list_passes(policy):
    for protocol in ("HTTPS", "TLS"):
        assert validate_resource(RULES["elb-tls-policy"], LISTENER,
                                 {"protocol": protocol, "sslPolicy": policy}) == []


def test_the_elb17_list_is_the_one_aws_publishes():
    """Security Hub's ELB.17 `sslPolicies` parameter (not customizable), as cited in
    load_balancer.py and docs/policies.md."""
    published = {
        "ELBSecurityPolicy-TLS13-1-3-2021-06", "ELBSecurityPolicy-TLS13-1-3-FIPS-2023-04",
        "ELBSecurityPolicy-TLS13-1-2-Res-2021-06", "ELBSecurityPolicy-TLS13-1-2-Res-FIPS-2023-04",
        "ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09", "ELBSecurityPolicy-TLS13-1-3-PQ-2025-09",
        "ELBSecurityPolicy-TLS13-1-2-Res-FIPS-PQ-2025-09", "ELBSecurityPolicy-TLS13-1-3-FIPS-PQ-2025-09"}
    assert published == lb_rules.ELB17_POLICIES
    # the load balancer component offers exactly these
    from typing import get_args

    from groundwork.components.load_balancer import LoadBalancerSettings

    assert set(get_args(LoadBalancerSettings.model_fields["ssl_policy"].annotation)) == published


def test_plain_listeners_are_not_asked_for_a_tls_policy():
    for props in ({"protocol": "HTTP", "port": 80}, {"port": 80}, {"protocol": "TCP", "port": 5432}):
        assert validate_resource(RULES["elb-tls-policy"], LISTENER, props) == []


# --------------------------------------------------------------------------------------------
# ELB.1: every request on an HTTP listener is redirected to HTTPS (rules included)
# --------------------------------------------------------------------------------------------

REDIRECT = {"type": "redirect", "redirect": {"protocol": "HTTPS", "port": "443", "statusCode": "HTTP_301"}}
FORWARD = {"type": "forward", "targetGroupArn": "arn:tg"}
FIXED = {"type": "fixed-response", "fixedResponse": {"contentType": "text/plain", "statusCode": "200",
                                                     "messageBody": "ok"}}
GOOD_LB = {"loadBalancerType": "application", "subnets": ["subnet-a", "subnet-b"]}
HTTP_ARN = "arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/alb/1/http"


def _alb(http: dict[str, Any] | None = None, rules_: list[dict[str, Any]] | None = None, *,
         listener_type: str = LISTENER, rule_type: str = RULE, by_value: bool = False,
         ) -> list[PolicyResource]:
    lb = synthetic(LB, "alb", GOOD_LB)
    http_props = {"protocol": "HTTP", "port": 80, "defaultActions": [REDIRECT], "arn": HTTP_ARN,
                  **(http or {})}
    http_listener = synthetic(listener_type, "http", http_props, deps={"loadBalancerArn": [lb]})
    https = synthetic(listener_type, "https", {"protocol": "HTTPS", "port": 443, "defaultActions": [FORWARD],
                                               "sslPolicy": "ELBSecurityPolicy-TLS13-1-2-Res-2021-06"},
                      deps={"loadBalancerArn": [lb]})
    out = [lb, http_listener, https]
    for i, props in enumerate(rules_ or []):
        deps = {} if by_value else {"listenerArn": [http_listener]}
        out.append(synthetic(rule_type, f"rule{i}", {"listenerArn": HTTP_ARN, "priority": 10 + i, **props},
                             deps=deps))
    return out


def _elb1(resources: list[PolicyResource]) -> list[tuple[str, str]]:
    return validate_stack(RULES["elb-http-redirects-to-https"], resources)


def _names(found: list[tuple[str, str]]) -> list[str]:
    return sorted(u.rsplit("::", 1)[-1] for u, _ in found)


PATH_ALL = [{"pathPattern": {"values": ["/*"]}}]


@pytest.mark.parametrize(("stack", "culprit", "fragment"), [
    # named in the issue: a rule that forwards /* on the port-80 listener
    (lambda: _alb(rules_=[{"actions": [FORWARD], "conditions": PATH_ALL}]), "rule0", "forwards"),
    # the same through the aws.alb alias types, and a rule found by its listener's ARN value
    (lambda: _alb(rules_=[{"actions": [FORWARD], "conditions": PATH_ALL}], listener_type=ALB_LISTENER,
                  rule_type=ALB_RULE), "rule0", "forwards"),
    (lambda: _alb(rules_=[{"actions": [FORWARD], "conditions": PATH_ALL}], by_value=True), "rule0",
     "forwards"),
    # a rule that answers with content over plain HTTP
    (lambda: _alb(rules_=[{"actions": [FIXED], "conditions": PATH_ALL}]), "rule0", "fixed-response"),
    # a rule that redirects but to plain HTTP, or keeps the protocol (#{protocol} is HTTP here)
    (lambda: _alb(rules_=[{"actions": [{"type": "redirect", "redirect": {"protocol": "HTTP", "port": "8080",
                                                                         "statusCode": "HTTP_301"}}]}]),
     "rule0", "redirect"),
    (lambda: _alb(rules_=[{"actions": [{"type": "redirect", "redirect": {"statusCode": "HTTP_301",
                                                                         "host": "other.example.com"}}]}]),
     "rule0", "redirect"),
    # a redirect rule that also forwards (two actions)
    (lambda: _alb(rules_=[{"actions": [{**REDIRECT, "order": 2}, {**FORWARD, "order": 1}]}]), "rule0",
     "forwards"),
    # default actions: a redirect that isn't the only action, to HTTP, or HTTPS on the plain port
    (lambda: _alb({"defaultActions": [{**FORWARD, "order": 1}, {**REDIRECT, "order": 2}]}), "http",
     "redirect"),
    (lambda: _alb({"defaultActions": [{"type": "redirect", "redirect": {"protocol": "HTTP", "port": "443",
                                                                        "statusCode": "HTTP_301"}}]}),
     "http", "redirect"),
    (lambda: _alb({"defaultActions": [{"type": "redirect", "redirect": {"protocol": "#{protocol}",
                                                                        "statusCode": "HTTP_301"}}]}),
     "http", "redirect"),
    (lambda: _alb({"defaultActions": [{"type": "redirect", "redirect": {"protocol": "HTTPS",
                                                                        "statusCode": "HTTP_301"}}]}),
     "http", "redirect"),
    # an HTTP listener on another port, with the protocol in lower case, or left out (ALB default HTTP)
    (lambda: _alb({"port": 8080, "defaultActions": [FORWARD]}), "http", "instead of redirecting"),
    (lambda: _alb({"protocol": "http", "defaultActions": [FORWARD]}), "http", "instead of redirecting"),
    (lambda: _alb({"protocol": None, "defaultActions": [FORWARD]}), "http", "instead of redirecting"),
])
def test_plain_http_through_rules_or_actions_fails(stack, culprit, fragment):
    found = _elb1(stack())
    assert _names(found) == [culprit], found
    assert fragment in found[0][1]


def test_only_the_offending_rules_are_reported():
    found = _elb1(_alb(rules_=[{"actions": [REDIRECT], "conditions": PATH_ALL},
                               {"actions": [FORWARD], "conditions": [{"hostHeader": {"values": ["a.io"]}}]}]))
    assert _names(found) == ["rule1"]


@pytest.mark.parametrize("stack", [
    lambda: _alb(),
    # a redirect rule on the HTTP listener (e.g. to another HTTPS host) is fine
    lambda: _alb(rules_=[{"actions": [{"type": "redirect", "redirect": {
        "protocol": "HTTPS", "port": "443", "host": "www.example.com", "statusCode": "HTTP_301"}}]}]),
    lambda: _alb(rules_=[{"actions": [REDIRECT]}], listener_type=ALB_LISTENER, rule_type=ALB_RULE),
    # the redirect names #{port} on a listener whose own port is 443 (HTTP on 443 redirected to HTTPS on 443)
    lambda: _alb({"port": 443, "defaultActions": [{"type": "redirect", "redirect": {
        "protocol": "HTTPS", "statusCode": "HTTP_301"}}]}),
])
def test_redirect_only_http_listeners_pass(stack):
    assert _elb1(stack()) == []


def test_rules_on_the_https_listener_may_forward():
    resources = _alb()
    https = resources[2]
    resources.append(synthetic(RULE, "app", {"priority": 100, "actions": [FORWARD], "conditions": PATH_ALL},
                               deps={"listenerArn": [https]}))
    assert _elb1(resources) == []


def test_breaking_prod_with_a_forward_rule_on_port_80(prod):
    records = copy.deepcopy(prod.resources)
    rule = next(r for r in records if r.type == RULE)
    http = next(r for r in records if r.type == LISTENER and r.inputs.get("port") == 80)
    rule.inputs["listenerArn"] = rule.outputs["listenerArn"] = http.outputs.get("arn") or http.id
    rule.property_dependencies["listenerArn"] = [http.urn]
    hits = check_records(records, _prod_config()).fired("elb-http-redirects-to-https")
    assert [h.resource_name for h in hits] == [rule.name] and hits[0].level == "mandatory"


def _prod_config() -> dict[str, Any]:
    from groundwork.check import POLICIES_DIR

    return json.loads((POLICIES_DIR / "config" / "prod.json").read_text())


# --------------------------------------------------------------------------------------------
# EC2.18/19: the union of every CIDR that reaches a port
# --------------------------------------------------------------------------------------------


def _sg_stack(*rules_: tuple[str, dict[str, Any]], inline: list[dict[str, Any]] | None = None,
              alb: bool = False, extra: list[PolicyResource] | None = None) -> list[PolicyResource]:
    group = synthetic(SG, "db-sg", {"vpcId": "vpc-1", "ingress": inline or []})
    out = [group]
    if alb:
        out.append(synthetic(LB, "alb", GOOD_LB, deps={"securityGroups": [group]}))
    for i, (kind, props) in enumerate(rules_):
        out.append(synthetic(kind, f"in{i}", props, deps={"securityGroupId": [group]}))
    return out + (extra or [])


def _v4(cidr: str, port: int = 5432, proto: str = "tcp", to: int | None = None) -> tuple[str, dict[str, Any]]:
    return INGRESS, {"ipProtocol": proto, "fromPort": port, "toPort": port if to is None else to,
                     "cidrIpv4": cidr}


def _v6(cidr: str, port: int = 5432, proto: str = "tcp") -> tuple[str, dict[str, Any]]:
    return INGRESS, {"ipProtocol": proto, "fromPort": port, "toPort": port, "cidrIpv6": cidr}


def _classic(cidrs: list[str], port: int = 5432, proto: str = "tcp", v6: bool = False) -> tuple[str, dict]:
    key = "ipv6CidrBlocks" if v6 else "cidrBlocks"
    return SG_RULE, {"type": "ingress", "protocol": proto, "fromPort": port, "toPort": port, key: cidrs}


def _world(resources: list[PolicyResource]) -> list[tuple[str, str]]:
    return validate_stack(RULES["ec2-no-world-ingress"], resources)


@pytest.mark.parametrize(("stack", "culprits", "fragment"), [
    # named in the issue: two halves of the IPv4 internet on a database port
    (lambda: _sg_stack(_v4("0.0.0.0/1"), _v4("128.0.0.0/1")), ["in0", "in1"], "whole IPv4 internet"),
    # ... and of IPv6
    (lambda: _sg_stack(_v6("::/1"), _v6("8000::/1")), ["in0", "in1"], "whole IPv6 internet"),
    # halves in one classic rule, or spread over inline blocks and rules of different forms
    (lambda: _sg_stack(_classic(["0.0.0.0/1", "128.0.0.0/1"])), ["in0"], "whole IPv4 internet"),
    (lambda: _sg_stack(_classic(["128.0.0.0/1"]), inline=[{"protocol": "tcp", "fromPort": 5432,
                                                           "toPort": 5432, "cidrBlocks": ["0.0.0.0/1"]}]),
     ["db-sg", "in0"], "whole IPv4 internet"),
    # "tcp" and "6" are the same protocol; a port range and a single port overlap
    (lambda: _sg_stack(_v4("0.0.0.0/1", proto="tcp"), _v4("128.0.0.0/1", proto="6")), ["in0", "in1"],
     "whole IPv4 internet"),
    (lambda: _sg_stack(_v4("0.0.0.0/1", 5000, to=6000), _v4("128.0.0.0/1", 5432)), ["in0", "in1"],
     "port 5432"),
    # protocol -1 covers every port of every protocol
    (lambda: _sg_stack(_v4("0.0.0.0/1", proto="-1"), _v4("128.0.0.0/1", 5432)), ["in0", "in1"],
     "whole IPv4 internet"),
    # a quarter-by-quarter union
    (lambda: _sg_stack(*[_v4(c) for c in ("0.0.0.0/2", "64.0.0.0/2", "128.0.0.0/2", "192.0.0.0/2")]),
     ["in0", "in1", "in2", "in3"], "whole IPv4 internet"),
    # a non-canonical world: host bits set, a zero-padded prefix, a long IPv6 spelling
    (lambda: _sg_stack(_v4("10.1.2.3/0")), ["in0"], "whole IPv4 internet"),
    (lambda: _sg_stack(_v4("0.0.0.0/00")), ["in0"], "whole IPv4 internet"),
    (lambda: _sg_stack(_v6("0:0:0:0:0:0:0:0/0")), ["in0"], "whole IPv6 internet"),
    # not the whole internet, but an internet-sized share of it (more than a /8 of public IPv4,
    # or a /11 of global IPv6): half the internet alone, or /9s added up
    (lambda: _sg_stack(_v4("0.0.0.0/1")), ["in0"], "public IPv4 addresses"),
    (lambda: _sg_stack(_v4("11.0.0.0/9"), _v4("11.128.0.0/9"), _v4("12.0.0.0/9")), ["in0", "in1", "in2"],
     "public IPv4 addresses"),
    (lambda: _sg_stack(_v6("2000::/4")), ["in0"], "global IPv6 addresses"),
    # the world through a managed prefix list the stack builds (entries inline, or as entry resources)
    (lambda: _sg_stack((INGRESS, {"ipProtocol": "tcp", "fromPort": 22, "toPort": 22, "prefixListId": "pl-1"}),
                       extra=[synthetic(PREFIX_LIST, "pl", {"id": "pl-1", "addressFamily": "IPv4",
                                                            "entries": [{"cidr": "0.0.0.0/0"}]})]),
     ["in0"], "prefix list"),
    (lambda: _sg_stack((SG_RULE, {"type": "ingress", "protocol": "tcp", "fromPort": 22, "toPort": 22,
                                  "prefixListIds": ["pl-2"]}),
                       extra=[synthetic(PREFIX_LIST, "pl", {"id": "pl-2", "addressFamily": "IPv4"}),
                              synthetic(PREFIX_ENTRY, "e1", {"prefixListId": "pl-2", "cidr": "0.0.0.0/1"}),
                              synthetic(PREFIX_ENTRY, "e2",
                                        {"prefixListId": "pl-2", "cidr": "128.0.0.0/1"})]),
     ["in0"], "prefix list"),
    # the ALB's group: the world on 80/443 is fine, not on other ports, and not through -1
    (lambda: _sg_stack(_v4("0.0.0.0/1", 8080), _v4("128.0.0.0/1", 8080), alb=True), ["in0", "in1"],
     "port 8080"),
    (lambda: _sg_stack(_v4("0.0.0.0/0", 443, proto="udp"), alb=True), ["in0"], "udp port 443"),
    (lambda: _sg_stack(_v4("0.0.0.0/0", 0, to=65535), alb=True), ["in0"], "ports 0-65535"),
    (lambda: _sg_stack(_v4("0.0.0.0/0", proto="-1"), alb=True), ["in0"], "ALL protocols"),
    # 443 from the world's two halves into a group that is not the ALB's
    (lambda: _sg_stack(_v4("0.0.0.0/1", 443), _v4("128.0.0.0/1", 443)), ["in0", "in1"],
     "not an application load balancer"),
])
def test_world_ingress_by_union_fails(stack, culprits, fragment):
    found = _world(stack())
    assert _names(found) == culprits, found
    assert all(fragment in message for _, message in found), found


@pytest.mark.parametrize("stack", [
    # private and modest public ranges
    lambda: _sg_stack(_v4("10.0.0.0/8"), _v4("172.16.0.0/12"), _v4("192.168.0.0/16"), _v4("100.64.0.0/10")),
    lambda: _sg_stack(_v4("203.0.113.0/24"), _v4("198.51.100.0/24"), _v6("2001:db8::/48")),
    lambda: _sg_stack(_v4("104.16.0.0/13"), _v4("172.64.0.0/13"), _v6("2606:4700::/48")),  # a CDN's ranges
    # halves of the world, but on different ports or protocols
    lambda: _sg_stack(_v4("0.0.0.0/1", 80), _v4("128.0.0.0/1", 443), alb=True),
    lambda: _sg_stack(_v4("0.0.0.0/9", 5432), _v4("128.0.0.0/9", 5433)),
    lambda: _sg_stack(_v4("10.0.0.0/8", proto="-1"), _v4("192.168.0.0/16", 5432, proto="6")),
    # the ALB's group takes the world (and its halves) on 80 and 443
    lambda: _sg_stack(_v4("0.0.0.0/0", 443), _v6("::/0", 443), _v4("0.0.0.0/0", 80), _v6("::/0", 80),
                      alb=True),
    lambda: _sg_stack(_v4("0.0.0.0/1", 443), _v4("128.0.0.0/1", 443), alb=True),
    # a prefix list of private ranges
    lambda: _sg_stack((INGRESS, {"ipProtocol": "tcp", "fromPort": 22, "toPort": 22, "prefixListId": "pl-1"}),
                      extra=[synthetic(PREFIX_LIST, "pl",
                                       {"id": "pl-1", "entries": [{"cidr": "10.0.0.0/8"}]})]),
])
def test_bounded_ingress_passes(stack):
    assert _world(stack()) == []


def test_world_ingress_messages_name_the_union():
    [(_, first), (_, second)] = _world(_sg_stack(_v4("0.0.0.0/1"), _v4("128.0.0.0/1")))
    assert "from 0.0.0.0/1" in first and "with 'in1'" in first and "0.0.0.0/1, 128.0.0.0/1" in first
    assert "from 128.0.0.0/1" in second and "with 'in0'" in second


# --------------------------------------------------------------------------------------------
# the real stacks still pass
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("stack", ["prod", "dev"])
def test_real_stacks_pass_the_hardened_rules(stack, request):
    plan: PlanResult = request.getfixturevalue(stack)
    from groundwork.check import check_plan

    result = check_plan(plan)
    fired = {v.policy for v in result.violations} & COVERED_RULES
    assert fired == set(), [v.message for v in result.violations if v.policy in COVERED_RULES]
