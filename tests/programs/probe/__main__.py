"""A tiny program for the engine's own tests: a component with a protected child, an explicit
dependency, a secret input and an ignore_changes option."""

import pulumi
import pulumi_aws as aws


class Box(pulumi.ComponentResource):
    def __init__(self, name: str, opts: pulumi.ResourceOptions | None = None):
        super().__init__("test:index:Box", name, None, opts)
        self.log_group = aws.cloudwatch.LogGroup(
            "logs", retention_in_days=7, opts=pulumi.ResourceOptions(parent=self, protect=True))
        self.topic = aws.sns.Topic(
            "topic",
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.log_group],
                                        ignore_changes=["tags"], retain_on_delete=True))
        self.secret = aws.secretsmanager.SecretVersion(
            "secret-version", secret_id="s", secret_string=pulumi.Output.secret("hunter2"),
            opts=pulumi.ResourceOptions(parent=self))
        self.register_outputs({})


box = Box("box")
pulumi.export("topic_arn", box.topic.arn)
