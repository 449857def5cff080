"""groundwork's account baseline: one stack per AWS account (`pulumi -C account up --stack main`).

The `groundwork-account:` config is validated before any resource exists; a bad key stops the
run with one line per problem, naming the key (pulumi.RunError prints no traceback). What each
piece does and when to switch it off: docs/account.md.
"""

import pulumi

from groundwork.stacks.account import account_from_pulumi, build_account
from groundwork.stacks.config import ConfigError

try:
    config = account_from_pulumi()
except ConfigError as error:
    raise pulumi.RunError(str(error)) from None

build_account(config)
