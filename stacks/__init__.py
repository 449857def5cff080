"""groundwork stacks: the per-environment config models and the composition."""
