"""groundwork's CrossGuard policy pack.

`pulumi preview --policy-pack policies` runs `policies/__main__.py` (in its own virtualenv);
`groundwork check <stack>` runs the same rules (`policies.rules`) over the offline plan.
Config per environment: `policies/config/<stack>.json`. See docs/policies.md.
"""
