"""groundwork components: reusable Pulumi components for a production AWS baseline.

Every component is a `pulumi.ComponentResource` whose children are plain pulumi-aws resources
parented to it, so Pulumi's mocks, the tests and the offline policy check see all of them.
"""
