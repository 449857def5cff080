"""The real platform plus one use of the security-group intent API, picked by the
GROUNDWORK_WIRING environment variable (tests/test_security_groups.py)."""

import os

from groundwork.stacks.loader import environment_from_pulumi
from groundwork.stacks.platform import build_platform

platform = build_platform(environment_from_pulumi())
groups = platform.groups
mode = os.environ.get("GROUNDWORK_WIRING", "")


class Holder:
    """Anything with `.security_group` (as a FargateService has)."""

    def __init__(self, group):
        self.security_group = group


if mode == "allow_again":  # what the matrix already has: must not duplicate
    platform.database.allow_from(groups.for_service("api"))
    platform.cache.allow_from(Holder(groups.for_service("worker")))
elif mode == "new_flow":
    groups.allow(source=Holder(groups.for_service("worker")), target=groups.for_service("api"),
                 port=8000, description="worker to api internal calls")
elif mode == "world_to_database":
    groups.allow_cidr(target=groups.database, cidr="0.0.0.0/0", port=5432,
                      description="psql from anywhere")
elif mode == "world_v6_to_api":
    groups.allow_cidr(target=groups.for_service("api"), cidr="::/0", port=8000,
                      description="api straight from the internet")
elif mode == "ssh_to_alb":
    groups.allow_cidr(target=groups.alb, cidr="0.0.0.0/0", port=22, description="ssh")
elif mode == "outside_vpc":
    groups.allow_cidr(target=groups.for_service("api"), cidr="192.168.0.0/24", port=8000,
                      description="office network")
elif mode == "inside_vpc":
    groups.allow_cidr(target=groups.for_service("api"), cidr="10.0.10.0/24", port=8000,
                      description="compute tier health probes")
