"""The shared LoadBalancer on the real stacks (issue 5): each ELB.* control (docs/policies.md), the
access-log bucket and its policy (us-east-1 and a post-2022 region), one ALB for N web services,
the explicit http_only dev mode, and names <= 32 characters; on its own (issue 11): two load
balancers in one program, the legacy names the stacks keep, and Args refused before anything
registers."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from compute_support import (
    ALB,
    LISTENER,
    RULE,
    SG,
    TG,
    doc,
    duplicate_names,
    duplicate_urns,
    service,
    tier_subnet_ids,
    web,
    worker,
)
from pydantic import ValidationError

from groundwork.components.load_balancer import (
    ELB_ACCOUNTS,
    CertificateSettings,
    LoadBalancerArgs,
    access_log_bucket_policy,
    log_delivery_principal,
)
from groundwork.engine import plan_stack
from groundwork.stacks.config import SERVICE_NAME, ConfigError

BUCKET = "aws:s3/bucket:Bucket"
POLICY = "aws:s3/bucketPolicy:BucketPolicy"
ROOT = Path(__file__).resolve().parent.parent


def listener(plan, port: int):
    [found] = [li for li in plan.of_type(LISTENER) if li.inputs["port"] == port]
    return found


def test_elb_1_port_80_only_redirects_to_https(prod, dev):
    for plan in (prod, dev):
        http = listener(plan, 80)
        assert http.inputs["protocol"] == "HTTP"
        assert http.inputs["defaultActions"] == [{"type": "redirect", "redirect": {
            "protocol": "HTTPS", "port": "443", "statusCode": "HTTP_301"}}]
        # nothing is routed on port 80
        assert not [r for r in plan.of_type(RULE) if r.inputs["listenerArn"] == http.id]


def test_elb_17_https_with_tls13_policy_and_validated_certificate(prod):
    https = listener(prod, 443)
    assert https.inputs["protocol"] == "HTTPS"
    assert https.inputs["sslPolicy"] == "ELBSecurityPolicy-TLS13-1-2-Res-2021-06"  # on ELB.17's list
    cert = prod.one("aws:acm/certificate:Certificate")
    assert cert.inputs["domainName"] == "app.example.com"
    assert cert.inputs["validationMethod"] == "DNS"
    record = prod.one("aws:route53/record:Record", "load-balancer-cert-validation")
    option = cert.outputs["domainValidationOptions"][0]
    assert record.inputs["zoneId"] == "Z0123456789ABCDEFGHIJ"
    assert (record.inputs["name"], record.inputs["type"], record.inputs["records"]) == (
        option["resourceRecordName"], option["resourceRecordType"], [option["resourceRecordValue"]])
    validation = prod.one("aws:acm/certificateValidation:CertificateValidation")
    assert validation.inputs["certificateArn"] == cert.outputs["arn"]
    # validated by that record (its fqdn; the mock computes no fqdn, so check the dependency)
    assert record.urn in validation.property_dependencies["validationRecordFqdns"]
    # the listener waits for validation: it takes the validated ARN
    assert https.inputs["certificateArn"] == cert.outputs["arn"]
    assert validation.urn in https.depends_on


def test_https_default_action_is_a_fixed_404(prod):
    assert listener(prod, 443).inputs["defaultActions"] == [{"type": "fixed-response", "fixedResponse": {
        "contentType": "text/plain", "messageBody": "Not Found", "statusCode": "404"}}]


def test_certificate_arn_from_config_requests_nothing():
    arn = "arn:aws:acm:us-east-1:123456789012:certificate/11111111-2222-3333-4444-555555555555"
    plan = plan_stack("dev", overrides={"load_balancer": {"certificate": {
        "arn": arn, "domain": None, "zone_id": None}}})
    assert not plan.of_type("aws:acm/certificate:Certificate")
    assert not plan.of_type("aws:route53/record:Record")
    assert listener(plan, 443).inputs["certificateArn"] == arn


def test_elb_4_12_6_13_load_balancer_settings(prod, dev):
    for plan, protected, azs in ((prod, True, 3), (dev, False, 2)):
        alb = plan.one(ALB)
        i = alb.inputs
        assert i["loadBalancerType"] == "application" and i["internal"] is False
        assert i["dropInvalidHeaderFields"] is True                       # ELB.4
        assert i["desyncMitigationMode"] in ("defensive", "strictest")    # ELB.12
        assert i["enableDeletionProtection"] is protected                 # ELB.6 (prod)
        assert sorted(i["subnets"]) == tier_subnet_ids(plan, "public")   # ELB.13
        assert len(i["subnets"]) == azs >= 2
        alb_sg = next(g for g in plan.of_type(SG) if g.inputs["tags"].get("Group") == "alb")
        assert i["securityGroups"] == [alb_sg.id]


def test_elb_5_access_logs_to_a_private_sse_s3_bucket(prod, dev):
    for plan, days in ((prod, 90), (dev, 14)):
        alb = plan.one(ALB)
        bucket = plan.one(BUCKET, "load-balancer-logs")
        assert alb.inputs["accessLogs"] == {"enabled": True, "bucket": bucket.outputs["bucket"],
                                            "prefix": "alb"}
        sse = plan.one("aws:s3/bucketServerSideEncryptionConfiguration:"
                       "BucketServerSideEncryptionConfiguration", "load-balancer-logs-encryption")
        assert sse.inputs["bucket"] == bucket.outputs["bucket"]
        # ALB log delivery can't write to SSE-KMS buckets: SSE-S3 it is
        assert sse.inputs["rules"] == [{"applyServerSideEncryptionByDefault": {"sseAlgorithm": "AES256"}}]
        pab = plan.one("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
                       "load-balancer-logs-public-access")
        assert pab.inputs["bucket"] == bucket.outputs["bucket"]
        assert all(pab.inputs[k] is True for k in ("blockPublicAcls", "blockPublicPolicy",
                                                   "ignorePublicAcls", "restrictPublicBuckets"))
        own = plan.one("aws:s3/bucketOwnershipControls:BucketOwnershipControls",
                       "load-balancer-logs-ownership")
        assert own.inputs["rule"] == {"objectOwnership": "BucketOwnerEnforced"}
        [rule] = plan.one("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
                          "load-balancer-logs-lifecycle").inputs["rules"]
        assert rule["status"] == "Enabled" and rule["expiration"] == {"days": days}
        assert len(bucket.outputs["bucket"]) <= 63 and bucket.outputs["bucket"].islower()
        # the names before 0.2.0, which the stacks keep: the bucket holds the logs, DNS
        # records point at the ALB
        assert bucket.inputs["bucket"] == f"groundwork-{plan.stack}-alb-logs-123456789012-us-east-1"
        assert alb.inputs["name"] == f"groundwork-{plan.stack}-alb"
        # prod keeps its logs through `pulumi destroy`; dev's go with the stack
        assert bucket.protect is (plan is prod)
        assert bucket.inputs["forceDestroy"] is (plan is dev)


def test_s3_9_the_access_log_bucket_logs_its_s3_requests_into_a_terminal_bucket(prod, dev):
    for plan in (prod, dev):
        logs = plan.one(BUCKET, "load-balancer-logs").outputs["bucket"]
        target = plan.one(BUCKET, "load-balancer-logs-access")
        logging = plan.one("aws:s3/bucketLogging:BucketLogging", "load-balancer-logs-logging")
        assert logging.inputs["bucket"] == logs
        assert logging.inputs["targetBucket"] == target.outputs["bucket"]
        # the target waits for its policy (log delivery is refused before it) and logs nowhere
        assert plan.one(POLICY, "load-balancer-logs-access-policy").urn in logging.depends_on
        assert [r for r in plan.of_type("aws:s3/bucketLogging:BucketLogging")
                if r.inputs["bucket"] == target.outputs["bucket"]] == []
        # S3 log delivery can't write to SSE-KMS: SSE-S3; S3 writes as logging.s3.amazonaws.com
        # for this account only
        sse = plan.one("aws:s3/bucketServerSideEncryptionConfiguration:"
                       "BucketServerSideEncryptionConfiguration", "load-balancer-logs-access-encryption")
        assert sse.inputs["rules"][0]["applyServerSideEncryptionByDefault"]["sseAlgorithm"] == "AES256"
        by_sid = {s["Sid"]: s for s in doc(plan.one(POLICY, "load-balancer-logs-access-policy"))["Statement"]}
        write = by_sid["S3ServerAccessLogsPolicy"]
        assert write["Principal"] == {"Service": "logging.s3.amazonaws.com"}
        assert write["Condition"]["StringEquals"] == {"aws:SourceAccount": "123456789012"}
        assert by_sid["DenyInsecureTransport"]["Effect"] == "Deny"
        assert target.protect is (plan is prod)


def test_access_log_bucket_policy_us_east_1(prod):
    bucket = prod.one(BUCKET, "load-balancer-logs").outputs["bucket"]
    by_sid = {s["Sid"]: s for s in doc(prod.one(POLICY, "load-balancer-logs-policy"))["Statement"]}
    allow = by_sid["AllowElbLogDelivery"]
    assert allow["Principal"] == {"AWS": "arn:aws:iam::127311923021:root"}
    assert allow["Action"] == "s3:PutObject"
    assert allow["Resource"] == f"arn:aws:s3:::{bucket}/alb/AWSLogs/123456789012/*"
    deny = by_sid["DenyInsecureTransport"]
    assert deny["Effect"] == "Deny" and deny["Principal"] == "*"
    assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    assert deny["Resource"] == [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"]


def test_alb_depends_on_the_log_bucket_policy(prod, dev):
    """Without it AWS fails the ALB with 'Access Denied for bucket' (docs/compute.md)."""
    for plan in (prod, dev):
        policy = plan.one(POLICY, "load-balancer-logs-policy")
        assert policy.urn in plan.one(ALB).depends_on
        # and the policy waits for the public-access block (S3 refuses concurrent config calls)
        pab = plan.one("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
                       "load-balancer-logs-public-access")
        assert pab.urn in policy.depends_on


def test_a_replaced_alb_is_deleted_first(prod, dev, prod_cloudfront):
    """Switching `internal` (edge.mode) replaces the ALB: create-first would meet its own fixed
    name (AWS refuses a second ALB of that name) and its target groups still attached to the old
    one (a target group belongs to one load balancer), so the old ALB goes first."""
    for plan in (prod, dev, prod_cloudfront):
        assert plan.one(ALB).delete_before_replace
    assert prod.one(ALB).inputs["name"] == prod_cloudfront.one(ALB).inputs["name"]
    assert prod_cloudfront.one(ALB).inputs["internal"] is True
    assert prod.one(ALB).inputs["internal"] is False


def test_log_delivery_principal_table():
    assert log_delivery_principal("us-east-1") == {"AWS": "arn:aws:iam::127311923021:root"}
    assert log_delivery_principal("eu-west-1") == {"AWS": "arn:aws:iam::156460612806:root"}
    assert log_delivery_principal("us-gov-west-1", "aws-us-gov") == {
        "AWS": "arn:aws-us-gov:iam::048591011584:root"}
    for newer in ("eu-central-2", "ap-southeast-4", "me-central-1", "il-central-1", "ca-west-1"):
        assert newer not in ELB_ACCOUNTS
        assert log_delivery_principal(newer) == {
            "Service": "logdelivery.elasticloadbalancing.amazonaws.com"}
    policy = access_log_bucket_policy(bucket="b", account_id="111122223333", region="eu-central-2")
    by_sid = {st["Sid"]: st for st in policy["Statement"]}
    assert by_sid["AllowElbLogDelivery"]["Resource"] == "arn:aws:s3:::b/alb/AWSLogs/111122223333/*"
    assert by_sid["DenyInsecureTransport"]["Resource"] == ["arn:aws:s3:::b", "arn:aws:s3:::b/*"]


def test_access_log_bucket_policy_in_a_newer_region(tmp_path):
    """A whole stack in eu-central-2 (Zurich, opened 2022-11): the service principal."""
    shutil.copy(ROOT / "Pulumi.yaml", tmp_path / "Pulumi.yaml")
    stack = yaml.safe_load((ROOT / "Pulumi.dev.yaml").read_text())
    stack["config"]["aws:region"] = "eu-central-2"
    stack["config"]["groundwork:network"]["availability_zones"] = ["eu-central-2a", "eu-central-2b"]
    (tmp_path / "Pulumi.zurich.yaml").write_text(yaml.safe_dump(stack))
    plan = plan_stack("zurich", project_dir=tmp_path, program=ROOT / "__main__.py")
    bucket = plan.one(BUCKET, "load-balancer-logs").outputs["bucket"]
    assert bucket.endswith("-eu-central-2")
    [allow] = [st for st in doc(plan.one(POLICY, "load-balancer-logs-policy"))["Statement"]
               if st["Sid"] == "AllowElbLogDelivery"]
    assert allow["Principal"] == {"Service": "logdelivery.elasticloadbalancing.amazonaws.com"}
    assert allow["Resource"] == f"arn:aws:s3:::{bucket}/alb/AWSLogs/123456789012/*"
    assert plan.one(POLICY, "load-balancer-logs-policy").urn in plan.one(ALB).depends_on


def test_target_group_for_the_api(prod, dev):
    tg = prod.one(TG, "load-balancer-api-tg")
    vpc = prod.one("aws:ec2/vpc:Vpc")
    i = tg.inputs
    assert (i["targetType"], i["protocol"], i["port"], i["vpcId"]) == ("ip", "HTTP", 8000, vpc.id)
    assert i["deregistrationDelay"] == 30
    hc = i["healthCheck"]
    assert (hc["path"], hc["matcher"], hc["enabled"], hc["port"]) == (
        "/health/ready", "200", True, "traffic-port")
    assert hc["timeout"] < hc["interval"]
    # the rule forwards to it, on the HTTPS listener
    rule = prod.one(RULE, "load-balancer-api-rule")
    assert rule.inputs["listenerArn"] == listener(prod, 443).id
    # prod's api is CANARY: weighted to both groups (tests/test_deployment.py); dev's ROLLING
    alt = prod.one(TG, "load-balancer-api-alt-tg")
    assert rule.inputs["actions"] == [{"type": "forward", "forward": {"targetGroups": [
        {"arn": tg.outputs["arn"], "weight": 100}, {"arn": alt.outputs["arn"], "weight": 0}]}}]
    assert rule.inputs["conditions"] == [{"pathPattern": {"values": ["/*"]}}]
    [dev_rule] = dev.of_type(RULE)
    assert dev_rule.inputs["actions"] == [{"type": "forward", "targetGroupArn": dev.one(
        TG, "load-balancer-api-tg").outputs["arn"]}]


THREE_WEB = [
    web("api", routing={"host_headers": ["api.example.com"]}),
    web("admin", port=9000, routing={"host_headers": ["admin.example.com"],
                                      "path_patterns": ["/admin/*"]}),
    web("docs", routing={"path_patterns": ["/docs/*"], "priority": 5}),
    worker("worker"),
]


@pytest.fixture(scope="module")
def three_web():
    # the certificate must cover every routed host (stacks/config/environment.py `_dns`)
    return plan_stack("dev", overrides={"services": THREE_WEB, "load_balancer": {"certificate": {
        "alternative_names": ["api.example.com", "admin.example.com"]}}})


def test_one_alb_for_all_web_services(three_web):
    plan = three_web
    assert len(plan.of_type(ALB)) == 1
    assert len(plan.of_type(LISTENER)) == 2
    https = listener(plan, 443)
    rules = {r.name.removeprefix("load-balancer-").removesuffix("-rule"): r for r in plan.of_type(RULE)}
    assert set(rules) == {"api", "admin", "docs"}
    assert all(r.inputs["listenerArn"] == https.id for r in rules.values())
    assert {n: r.inputs["priority"] for n, r in rules.items()} == {"api": 100, "admin": 110, "docs": 5}
    assert rules["admin"].inputs["conditions"] == [
        {"hostHeader": {"values": ["admin.example.com"]}},
        {"pathPattern": {"values": ["/admin/*"]}}]
    tgs = {t.name: t for t in plan.of_type(TG)}
    assert len(tgs) == 3 and tgs["load-balancer-admin-tg"].inputs["port"] == 9000
    for name, rule in rules.items():
        tg = tgs[f"load-balancer-{name}-tg"]
        assert rule.inputs["actions"][0]["targetGroupArn"] == tg.outputs["arn"]
        svc = service(plan, name)
        assert svc.inputs["loadBalancers"][0]["targetGroupArn"] == tg.outputs["arn"]
        assert rule.urn in svc.depends_on
    # the worker sits behind nothing
    assert "loadBalancers" not in service(plan, "worker").inputs


def test_routing_collisions_are_config_errors():
    same = [web("a"), web("b")]
    with pytest.raises(ConfigError) as info:
        plan_stack("dev", overrides={"services": same})
    assert "services[b].routing matches the same hosts and paths as services[a]" in info.value.problems[0]
    clash = [web("a", routing={"priority": 7}),
             web("b", routing={"priority": 7, "path_patterns": ["/b/*"]})]
    with pytest.raises(ConfigError) as info:
        plan_stack("dev", overrides={"services": clash})
    assert "services[b].routing.priority 7 is also services[a]'s" in info.value.problems[0]


def test_http_only_dev_mode_is_explicit_and_refused_in_prod():
    plan = plan_stack("dev", overrides={"load_balancer": {"http_only": True, "certificate": None}})
    [http] = plan.of_type(LISTENER)
    assert http.inputs["port"] == 80 and http.inputs["defaultActions"][0]["type"] == "fixed-response"
    [rule] = plan.of_type(RULE)
    assert rule.inputs["listenerArn"] == http.id  # port 80 forwards only in this mode
    assert not plan.of_type("aws:acm/certificate:Certificate")
    with pytest.raises(ConfigError) as info:
        plan_stack("prod", overrides={"load_balancer": {"http_only": True}})
    assert any("load_balancer.http_only is not allowed in prod" in p for p in info.value.problems)


def test_waf_association_when_configured():
    acl = "arn:aws:wafv2:us-east-1:123456789012:regional/webacl/app/0123abcd"
    plan = plan_stack("dev", overrides={"load_balancer": {"waf_acl_arn": acl}})
    assoc = plan.one("aws:wafv2/webAclAssociation:WebAclAssociation")
    assert assoc.inputs == {"resourceArn": plan.one(ALB).id, "webAclArn": acl}


def test_no_external_waf_by_default(prod, dev):
    """Without `waf_acl_arn` the load balancer associates nothing itself: prod's only
    association is the web firewall's (edge.waf, tests/test_web_firewall.py), dev has none."""
    assert [a.name for a in prod.of_type("aws:wafv2/webAclAssociation:WebAclAssociation")] == [
        "web-firewall-association-0"]
    assert not dev.of_type("aws:wafv2/webAclAssociation:WebAclAssociation")


def _longest_names() -> list[str]:
    import re

    pattern = re.compile(SERVICE_NAME)
    longest = "a" + "b" * 27 + "c"
    assert pattern.match(longest) and not pattern.match(longest + "d")  # 29 is the limit
    twin = "a" + "b" * 27 + "d"  # same first 28 characters: truncation must not merge them
    return [longest, twin]


def test_alb_and_target_group_names_fit_32_characters():
    long_a, long_b = _longest_names()
    services = [
        web(long_a, routing={"path_patterns": ["/a/*"]}),
        web(long_b, routing={"path_patterns": ["/b/*"]},
            deployment={"strategy": "BLUE_GREEN"}),  # two target groups
    ]
    plan = plan_stack("prod", overrides={"services": services})
    names = [t.inputs["name"] for t in plan.of_type(TG)] + [plan.one(ALB).inputs["name"]]
    assert len(plan.of_type(TG)) == 3
    assert all(len(n) <= 32 for n in names), names
    assert len(set(names)) == len(names)
    assert all(n[0].isalnum() and n[-1].isalnum() for n in names)
    # and for a long stack name too (the prefix is groundwork-<stack>)
    from groundwork.components.base import Naming

    naming = Naming(prefix="groundwork-" + "s" * 40)
    assert len(naming.name("alb", max_length=32)) == 32
    assert naming.name(long_a, max_length=32) != naming.name(long_b, max_length=32)


def test_a_port_change_gives_the_target_group_a_new_name():
    """A port change replaces the target group (create before delete): the new one needs a
    name AWS doesn't already hold."""
    from groundwork.engine import plan_stack

    def tg_names(port: int) -> set[str]:
        plan = plan_stack("dev", overrides={"services": [
            {"name": "api", "kind": "web", "image": "example/api:1.0.0", "port": port}]})
        return {t.inputs["name"] for t in plan.of_type("aws:lb/targetGroup:TargetGroup")}

    before, after = tg_names(8000), tg_names(8080)
    assert before and after and before.isdisjoint(after)
    assert all(len(n) <= 32 for n in before | after)


def test_target_group_names_are_the_services_own(prod, three_web):
    """`<prefix>-<service>[-alt]-<port>`: the names before 0.2.0, derived from the service."""
    assert sorted(t.inputs["name"] for t in prod.of_type(TG)) == [  # CANARY: and the alternate
        "groundwork-prod-api-8000", "groundwork-prod-api-alt-8000"]
    assert {t.name: t.inputs["name"] for t in three_web.of_type(TG)} == {
        "load-balancer-api-tg": "groundwork-dev-api-8000",
        "load-balancer-admin-tg": "groundwork-dev-admin-9000",
        "load-balancer-docs-tg": "groundwork-dev-docs-8000"}


# -- the component on its own (tests/programs/standalone) ---------------------------------------


def test_two_load_balancers_in_one_program_have_their_own_urns_and_names(compute_twins):
    assert duplicate_urns(compute_twins) == {} and duplicate_names(compute_twins) == {}
    albs = {a.name: a for a in compute_twins.of_type(ALB)}
    assert {n: a.inputs["name"] for n, a in albs.items()} == {
        "public-lb": "standalone-test-public-lb", "partner-lb": "standalone-test-partner-lb"}
    buckets = {b.name: b.inputs["bucket"] for b in compute_twins.of_type("aws:s3/bucket:Bucket")}
    assert buckets == {
        "public-lb-logs": "standalone-test-public-lb-logs-123456789012-us-east-1",
        "partner-lb-logs": "standalone-test-partner-lb-logs-123456789012-us-east-1",
        "public-lb-logs-access": "standalone-test-public-lb-logs-access-123456789012-us-east-1",
        "partner-lb-logs-access": "standalone-test-partner-lb-logs-access-123456789012-us-east-1"}
    names = [t.inputs["name"] for t in compute_twins.of_type(TG)] + [a.inputs["name"] for a in albs.values()]
    assert all(len(n) <= 32 for n in names) and len(set(names)) == len(names)
    # each load balancer has its own listeners; public serves HTTPS, partner (http_only) HTTP
    listeners = {li.name: li for li in compute_twins.of_type(LISTENER)}
    assert set(listeners) == {"public-lb-https", "public-lb-http", "partner-lb-http"}
    for li in listeners.values():
        assert li.inputs["loadBalancerArn"] == albs[li.name.rsplit("-", 1)[0]].id
    # the same priority on two listeners is fine: each rule is on its own load balancer's
    rules = {r.name: r for r in compute_twins.of_type(RULE)}
    assert set(rules) == {"public-lb-api-rule", "partner-lb-shop-rule", "partner-lb-shop-test-rule"}
    assert rules["public-lb-api-rule"].inputs["listenerArn"] == listeners["public-lb-https"].id
    assert rules["partner-lb-shop-rule"].inputs["listenerArn"] == listeners["partner-lb-http"].id
    assert rules["partner-lb-shop-test-rule"].inputs["listenerArn"] == listeners["partner-lb-http"].id
    assert {n: r.inputs["priority"] for n, r in rules.items()} == {
        "public-lb-api-rule": 100, "partner-lb-shop-rule": 100, "partner-lb-shop-test-rule": 10}
    tgs = {t.name: t for t in compute_twins.of_type(TG)}
    assert {n: t.inputs["name"] for n, t in tgs.items()} == {
        "public-lb-api-tg": "standalone-test-api-8000",
        "partner-lb-shop-tg": "standalone-test-shop-8000",
        "partner-lb-shop-alt-tg": "standalone-test-shop-alt-8000"}
    assert service(compute_twins, "api").inputs["loadBalancers"][0]["targetGroupArn"] == \
        tgs["public-lb-api-tg"].outputs["arn"]
    assert service(compute_twins, "shop").inputs["loadBalancers"][0]["targetGroupArn"] == \
        tgs["partner-lb-shop-tg"].outputs["arn"]
    for name in albs:
        routed = compute_twins.of_type(TG) + compute_twins.of_type(RULE)
        parents = {compute_twins.by_urn(r.parent).name for r in routed if r.name.startswith(name)}
        assert parents == {name}
    # the deletion protection follows the Args (partner: off, its logs deletable)
    assert albs["public-lb"].inputs["enableDeletionProtection"] is True
    assert albs["partner-lb"].inputs["enableDeletionProtection"] is False


def test_bad_load_balancer_args_are_refused_before_anything_registers(compute_bad_args):
    errors = compute_bad_args.stack_outputs["errors"]
    assert errors["lb_without_vpc"].startswith(
        "LoadBalancer 'bad-lb': LoadBalancerArgs.vpc_id is required")
    assert errors["lb_one_subnet"].startswith(
        "LoadBalancer 'bad-lb': LoadBalancerArgs.subnet_ids names 1 distinct subnet(s); an ALB "
        "needs subnets in at least 2 AZs")
    assert not [r for r in compute_bad_args.resources if r.name.startswith("bad-lb")]


@pytest.mark.parametrize("kwargs, field, words", [
    ({"http_only": True, "load_balancer_name": "a" * 33}, "load_balancer_name",
     "is not an ALB name"),
    ({"http_only": True, "load_balancer_name": "internal-web"}, "load_balancer_name",
     "not starting with internal-"),
    ({}, "certificate", "certificate is required (arn, or domain + zone_id)"),
    ({"http_only": True, "idle_timeout_seconds": 0}, "idle_timeout_seconds", "greater than or equal to 1"),
    ({"http_only": True, "ssl_policy": "ELBSecurityPolicy-2016-08"}, "ssl_policy", "TLS13"),
])
def test_bad_load_balancer_args_name_the_field(kwargs, field, words):
    with pytest.raises(ValidationError) as err:
        LoadBalancerArgs(**kwargs)
    assert field in str(err.value) and words in str(err.value)


def test_certificate_is_an_arn_or_a_domain_and_zone():
    with pytest.raises(ValidationError, match="set either arn, or domain and zone_id, not both"):
        CertificateSettings(arn="arn:aws:acm:us-east-1:123456789012:certificate/x",
                            domain="app.example.com", zone_id="Z0123456789ABCDEFGHIJ")
    assert CertificateSettings(domain="app.example.com", zone_id="Z0123456789ABCDEFGHIJ").arn is None


@pytest.mark.parametrize(("values", "fragment"), [
    ({"key_algorithm": "RSA_1024"}, "Input should be 'RSA_2048', 'EC_prime256v1' or 'EC_secp384r1'"),
    ({"key_algorithm": "RSA_4096"}, "Input should be 'RSA_2048'"),  # ACM issues no such public cert
])
def test_certificate_key_algorithm_is_one_acm_issues_with_2048_bits_or_more(values, fragment):
    """FSBP ACM.2: the requested certificate's key; a bad value names the field."""
    with pytest.raises(ValidationError) as err:
        LoadBalancerArgs(certificate={"domain": "app.example.com", "zone_id": "Z0123456789ABCDEFGHIJ",
                                      **values})
    [error] = err.value.errors()
    assert ".".join(map(str, error["loc"])) == "certificate.key_algorithm"
    assert fragment in error["msg"]
    cert = CertificateSettings(domain="app.example.com", zone_id="Z0123456789ABCDEFGHIJ")
    assert cert.key_algorithm == "RSA_2048"  # ACM's default, ACM.2's minimum
    assert CertificateSettings(domain="a.example.com", zone_id="Z0123456789ABCDEFGHIJ",
                               key_algorithm="EC_prime256v1").key_algorithm == "EC_prime256v1"
    with pytest.raises(ValidationError, match="key_algorithm is for a certificate requested for domain"):
        CertificateSettings(arn="arn:aws:acm:us-east-1:123456789012:certificate/x",
                            key_algorithm="EC_secp384r1")


def test_the_requested_certificate_carries_the_key_algorithm(prod, dev):
    for plan in (prod, dev):
        [cert] = plan.of_type("aws:acm/certificate:Certificate")
        assert (cert.inputs["keyAlgorithm"], cert.inputs["validationMethod"]) == ("RSA_2048", "DNS")


def test_the_web_acl_can_come_from_the_same_program():
    """`LoadBalancerArgs.waf_acl_arn` takes an Output (a web ACL built beside it), and the
    association names exactly that ACL and this load balancer."""
    import pulumi_aws as aws

    from groundwork.components import LoadBalancer, LoadBalancerArgs
    from groundwork.components.base import AccountContext
    from groundwork.testing import plan_function

    def program() -> None:
        acl = aws.wafv2.WebAcl("edge", scope="REGIONAL", default_action={"allow": {}},
                               visibility_config={"cloudwatch_metrics_enabled": True,
                                                  "metric_name": "edge", "sampled_requests_enabled": True})
        LoadBalancer("public", LoadBalancerArgs(
            account=AccountContext(region="us-east-1", account_id="123456789012"),
            http_only=True, deletion_protection=False, waf_acl_arn=acl.arn, vpc_id="vpc-1",
            subnet_ids=["subnet-a", "subnet-b"], security_group_ids=["sg-1"]))

    plan = plan_function(program, stack="waf")
    acl = plan.one("aws:wafv2/webAcl:WebAcl")
    association = plan.one("aws:wafv2/webAclAssociation:WebAclAssociation")
    assert association.inputs["webAclArn"] == acl.outputs["arn"]
    assert association.inputs["resourceArn"] == plan.one("aws:lb/loadBalancer:LoadBalancer").outputs["arn"]
