"""groundwork: one environment per stack (`pulumi up --stack dev|prod`).

The config is validated before any resource exists; a bad key stops the run with one line per
problem, naming the key and what is allowed (pulumi.RunError prints no traceback).
"""

import pulumi

from groundwork.stacks.config import ConfigError
from groundwork.stacks.loader import environment_from_pulumi
from groundwork.stacks.platform import build_platform

try:
    environment = environment_from_pulumi()
except ConfigError as error:
    raise pulumi.RunError(str(error)) from None

build_platform(environment)
