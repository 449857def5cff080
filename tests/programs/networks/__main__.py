"""Networks used as a library would use them (tests/test_network.py), one case per run: stack
config `networks:case` picks it.

Cases:
- two: two `Network`s in one program ("main" over the default seed tiers, "analytics" over
  tiers named by its own owner), to show their URNs and AWS names never collide.
- bad_args: a `NetworkArgs` with an invalid CIDR, one with an unknown key, and a `Network`
  without its logs key; each error is exported (nothing may register before it).
"""

import pulumi

from groundwork.components.base import AccountContext
from groundwork.components.network import Network, NetworkArgs, TierSpec

case = pulumi.Config().require("case")
region = pulumi.Config("aws").require("region")
account = AccountContext(region=region, account_id="123456789012")
LOGS_KEY = f"arn:aws:kms:{region}:123456789012:key/0b5c2f7e-6f5a-4d8e-9f53-8c1f0c6f1a11"

if case == "two":
    main = Network("main", NetworkArgs(account=account, logs_key_arn=LOGS_KEY, az_count=2,
                                       nat="single", tags={"Owner": "tests"}))
    analytics = Network("analytics", NetworkArgs(
        account=account,
        logs_key_arn=LOGS_KEY,
        cidr="10.40.0.0/16",
        az_count=2,
        nat="single",
        tiers=[TierSpec(name="edge", routing="public", offset=1),
               TierSpec(name="workers", routing="private", offset=10),
               TierSpec(name="warehouse", routing="isolated", offset=20)],
        database_tier="warehouse",
        endpoints={"interface": ["logs"]},
        tags={"Owner": "tests"},
    ))
    for label, net in (("main", main), ("analytics", analytics)):
        pulumi.export(label, {
            "vpc_cidr": net.outputs.vpc_cidr,
            "tiers": list(net.plan.tier_names),
            "db_subnet_group_name": net.outputs.db_subnet_group_name,
        })

elif case == "bad_args":
    errors: dict[str, str] = {}
    for key, build in (
        ("cidr", lambda: NetworkArgs(cidr="10.0.0.0/33", logs_key_arn=LOGS_KEY)),
        ("unknown", lambda: NetworkArgs(cidr_block="10.0.0.0/16", logs_key_arn=LOGS_KEY)),
        ("database_tier", lambda: NetworkArgs(logs_key_arn=LOGS_KEY, database_tier="db")),
        ("logs_key", lambda: Network("main", NetworkArgs(account=account))),
    ):
        try:
            build()
        except ValueError as exc:  # pydantic's ValidationError is a ValueError
            errors[key] = str(exc)
    pulumi.export("errors", errors)
