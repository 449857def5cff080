"""DNS-validated ACM certificates: the one builder `LoadBalancer` (its regional listener
certificate) and `CloudFrontDistribution` (its us-east-1 viewer certificate) share.

`dns_validated_certificate` requests the certificate, writes one Route 53 CNAME per distinct
validation name (`*.example.com` and `example.com` share ACM's record: `validation_names`) and
returns the ARN of a `CertificateValidation`, so whatever uses the certificate waits until ACM
issued it.

ACM gives one account the same validation CNAME for a name in every region and for every
certificate (a second certificate for `app.example.com`, e.g. CloudFront's in us-east-1 next to
the ALB's, asks for the record the first one already has: hashicorp/terraform-provider-aws
#13653). Two Pulumi resources writing one record both succeed (`allow_overwrite`), but deleting
either (switching CloudFront off) removes the record the other certificate renews with, and
ACM's renewal then fails months later. `shared_fqdns` names the validation names whose record
another certificate of the program already writes: no second record for them, the validation
waits on that one.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from groundwork.components.args import Input
from groundwork.components.base import Naming, child_opts
from groundwork.components.dns_names import distinct, record_key, validation_key


def validation_names(names: Sequence[str]) -> list[str]:
    """The names ACM asks a DNS record for, each once, in order (a wildcard's apex)."""
    return distinct([validation_key(n) for n in names])


def _validation_field(value: str | None) -> str:
    """A field of ACM's DNS validation option: ACM fills all three (name, type, value) for a
    DNS-validated certificate; the provider types them optional."""
    if value is None:
        raise ValueError("ACM returned a DNS validation option without its record")
    return value


def _option_for(options: Sequence[Any], key: str) -> Any:
    """ACM's validation option for `key` (a validation name: the domain, or a wildcard's apex)."""
    for option in options:
        if option.domain_name in (key, f"*.{key}"):
            return option
    raise ValueError(f"ACM returned no DNS validation option for {key!r}")


@dataclass(frozen=True)
class ValidatedCertificate:
    """What `dns_validated_certificate` made."""

    certificate: aws.acm.Certificate
    records: list[aws.route53.Record]
    """The validation records this certificate wrote (not the shared ones)."""
    validation_fqdns: dict[str, pulumi.Output[str]]
    """Validation name -> the FQDN of its record (own or shared): what another certificate of
    the same names passes as `shared_fqdns`."""
    arn: pulumi.Output[str]
    """The certificate's ARN once ACM issued it (the CertificateValidation's)."""


def dns_validated_certificate(
    parent: pulumi.Resource, name: str, *, names: Sequence[str], zone_id: Input[str],
    key_algorithm: str, naming: Naming, component: str,
    shared_fqdns: Mapping[str, Input[str]] | None = None,
    provider: pulumi.ProviderResource | None = None,
) -> ValidatedCertificate:
    """An ACM certificate for `names` (the first is its domain), DNS-validated in `zone_id`.
    Logical names `<name>-cert`, `<name>-cert-validation[-<name key>]` (the first validation
    name keeps the bare one), `<name>-cert-validated`. `provider`: where the certificate and its
    validation live (e.g. us-east-1 for CloudFront; default the parent's); the records are
    Route 53's, global."""
    east: dict[str, Any] = {"provider": provider} if provider is not None else {}
    shared = dict(shared_fqdns or {})
    certificate = aws.acm.Certificate(
        f"{name}-cert",
        domain_name=names[0],
        subject_alternative_names=list(names[1:]) or None,
        validation_method="DNS",
        key_algorithm=key_algorithm,  # FSBP ACM.2
        # A tag value can't hold `*` (ACM: letters, digits, spaces and _.:/=+-@).
        tags=naming.tagged(naming.name("cert"), Component=component,
                           Domain=names[0].replace("*", "wildcard")),
        opts=child_opts(parent, **east),
    )
    records: list[aws.route53.Record] = []
    fqdns: dict[str, pulumi.Output[str]] = {}
    for index, key in enumerate(validation_names(names)):
        if key in shared:
            fqdns[key] = pulumi.Output.from_input(shared[key])
            continue
        option = certificate.domain_validation_options.apply(functools.partial(
            _option_for, key=key))
        record = aws.route53.Record(
            f"{name}-cert-validation" + ("" if index == 0 else f"-{record_key(key)}"),
            zone_id=zone_id,
            name=option.apply(lambda o: _validation_field(o.resource_record_name)),
            type=option.apply(lambda o: _validation_field(o.resource_record_type)),
            records=[option.apply(lambda o: _validation_field(o.resource_record_value))],
            ttl=60,
            # ACM's own record: an identical one left by an earlier certificate is taken over.
            allow_overwrite=True,
            opts=child_opts(parent),
        )
        records.append(record)
        fqdns[key] = record.fqdn
    validation = aws.acm.CertificateValidation(
        f"{name}-cert-validated",
        certificate_arn=certificate.arn,
        validation_record_fqdns=list(fqdns.values()),
        opts=child_opts(parent, **east),
    )
    return ValidatedCertificate(certificate=certificate, records=records,
                                validation_fqdns=fqdns, arn=validation.certificate_arn)
