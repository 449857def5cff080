"""How a `FargateService` deploys: ROLLING, BLUE_GREEN, CANARY or LINEAR (docs/compute.md).

ROLLING replaces tasks behind one target group (min healthy 100 %, max 200 %, circuit breaker
with rollback, alarm rollback). The other three run the new revision (green) next to the old
(blue) behind a second target group; ECS re-weights the production listener rule between them.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from groundwork.components.args import ArgsModel

Strategy = Literal["ROLLING", "BLUE_GREEN", "CANARY", "LINEAR"]


class DeploymentSettings(ArgsModel):
    """How ECS replaces tasks."""

    strategy: Strategy = "ROLLING"
    """Deployment strategy (default ROLLING, with circuit breaker and alarm rollback)."""
    bake_time_minutes: Annotated[int, Field(ge=0, le=1440)] = 10
    """BLUE_GREEN/CANARY/LINEAR: minutes the new revision serves all traffic before the old one
    goes (default 10: a rollback within that time is instant)."""
    canary_percent: Annotated[float, Field(ge=0.1, lt=100)] = 10.0
    """CANARY: share of traffic the canary gets first (default 10 %)."""
    canary_bake_time_minutes: Annotated[int, Field(ge=0, le=1440)] = 5
    """CANARY: minutes the canary share is held before all traffic shifts (default 5)."""
    linear_step_percent: Annotated[float, Field(ge=3, lt=100)] = 20.0
    """LINEAR: share of traffic each step adds (default 20 %: five steps)."""
    linear_step_bake_time_minutes: Annotated[int, Field(ge=0, le=1440)] = 5
    """LINEAR: minutes each step is held before the next (default 5)."""
    ci_owns_image: bool = False
    """Let CI roll images (`aws ecs update-service`): Pulumi ignores task-definition drift on
    the service (default false). Desired-count drift is always ignored: autoscaling owns it."""
    wait_for_steady_state: bool = True
    """`pulumi up` waits until the deployment is steady, so a circuit-breaker rollback fails the
    update instead of passing silently (default true)."""
