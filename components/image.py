"""`ServiceImage`: a private ECR repository and, when `build` asks, the image built into it.

The repository: scan on push, IMMUTABLE tags (a tag can never be moved to other bits, so a task
definition always runs what was reviewed), a lifecycle policy (untagged images expire after
7 days, only the newest `keep_images` tagged images are kept), encrypted with the environment's
data key (KMS), and deletable with its images only when `force_delete` says the stack is
disposable.

The build: `awsx.ecr.Image` runs `docker build` + push during `pulumi up` (Docker is needed on
the deploying machine). Under Pulumi's mocks awsx registers only the component itself, so the
tag is computed here, from the content of the build context: the image reference the task
definition uses (`<repository>:<tag>`) is then known, testable, and changes exactly when the
context changes (no rebuild-and-redeploy on every `pulumi up`, and no tag ever reused).
"""

from __future__ import annotations

import fnmatch
import hashlib
import json
import re
from pathlib import Path
from typing import Annotated, Literal

import pulumi
import pulumi_aws as aws
from pydantic import Field

from groundwork.components.args import ArgsModel, ComponentArgs, Input
from groundwork.components.base import child_opts, component_naming

ALWAYS_IGNORED = (".git", ".venv", "venv", "node_modules", "__pycache__", ".pytest_cache",
                  ".mypy_cache", ".ruff_cache", ".hypothesis", ".tox")
"""Directories never part of the context hash (nor, usually, of the image)."""
ECR_IMAGE = re.compile(
    r"^(?P<account>\d{12})\.dkr\.ecr\.(?P<region>[a-z0-9-]+)\.amazonaws\.com(\.cn)?/"
    r"(?P<repo>[^:@]+)"
)
PLATFORMS = {"X86_64": "linux/amd64", "ARM64": "linux/arm64"}
ECR_REPOSITORY_NAME = re.compile(r"^[a-z0-9]+(?:[._-][a-z0-9]+)*(?:/[a-z0-9]+(?:[._-][a-z0-9]+)*)*$")
"""ECR's repository-name rule (2-256 characters; mocks accept anything, AWS refuses the call)."""


class ImageBuildSettings(ArgsModel):
    """Build the image from a Dockerfile during `pulumi up` (awsx.ecr.Image, needs Docker)."""

    context: str = "."
    """Docker build context, relative to the project (default .: the project directory)."""
    dockerfile: str = "Dockerfile"
    """Dockerfile path inside the context (default Dockerfile, docker's own default)."""


class ServiceImageArgs(ComponentArgs):
    """Everything `ServiceImage` takes: the build, the repository's retention and its key."""

    build: ImageBuildSettings | None = None
    """Build from this Dockerfile (default none: only the repository; CI pushes the images)."""
    architecture: Literal["X86_64", "ARM64"] = "X86_64"
    """CPU architecture the image is built for (default X86_64, what Fargate runs by default;
    match the service's `architecture`)."""
    project_dir: Path | None = None
    """What `build.context` is relative to (default none: the working directory, which
    `pulumi up` sets to the project)."""
    keep_images: Annotated[int, Field(ge=1, le=10000)] = 50
    """Tagged images kept for rollbacks (default 50; older ones expire)."""
    force_delete: bool = False
    """Let `pulumi destroy` delete the repository while it still holds images (default false:
    images are what the services run; set true for throwaway stacks)."""
    kms_key_arn: Input[str] | None = None
    """KMS key the repository encrypts images with (required, e.g. `EnvironmentKeys.data`)."""
    repository_name: str = ""
    """ECR repository name (default "": `<prefix>-<name>`). Set it only to keep the name of a
    repository created before: a rename replaces the repository and loses its images."""


def ecr_repository_arn(image: str, partition: str = "aws") -> str | None:
    """The ARN of the private ECR repository `image` lives in, or None for any other registry
    (the execution role then needs no ECR permission at all)."""
    m = ECR_IMAGE.match(image)
    if not m:
        return None
    return f"arn:{partition}:ecr:{m['region']}:{m['account']}:repository/{m['repo']}"


def lifecycle_policy(keep_images: int) -> dict:
    """Expire untagged images after 7 days; keep the newest `keep_images` tagged ones."""
    return {"rules": [
        {"rulePriority": 1, "description": "expire untagged images after 7 days",
         "selection": {"tagStatus": "untagged", "countType": "sinceImagePushed",
                       "countUnit": "days", "countNumber": 7},
         "action": {"type": "expire"}},
        {"rulePriority": 2, "description": f"keep the newest {keep_images} images",
         "selection": {"tagStatus": "any", "countType": "imageCountMoreThan",
                       "countNumber": keep_images},
         "action": {"type": "expire"}},
    ]}


def context_tag(context: Path, dockerfile: str) -> str:
    """`ctx-<16 hex>`: a hash of every file of the build context (minus `.dockerignore` matches
    and `ALWAYS_IGNORED` directories) and of the Dockerfile. Raises FileNotFoundError naming
    the missing path."""
    if not context.is_dir():
        raise FileNotFoundError(f"build context {context} is not a directory")
    docker_file = context / dockerfile
    if not docker_file.is_file():
        raise FileNotFoundError(f"Dockerfile {docker_file} does not exist")
    ignore = []
    if (context / ".dockerignore").is_file():
        ignore = [line.strip().rstrip("/") for line in (context / ".dockerignore").read_text().splitlines()
                  if line.strip() and not line.startswith(("#", "!"))]
    digest = hashlib.sha256()
    for path in sorted(context.rglob("*")):
        rel = path.relative_to(context).as_posix()
        parts = rel.split("/")
        if any(p in ALWAYS_IGNORED for p in parts) or not path.is_file():
            continue
        if any(fnmatch.fnmatch(rel, pat) or fnmatch.fnmatch(parts[0], pat) for pat in ignore):
            continue
        digest.update(rel.encode() + b"\0" + path.read_bytes() + b"\0")
    digest.update(dockerfile.encode() + b"\0" + docker_file.read_bytes())
    return f"ctx-{digest.hexdigest()[:16]}"


class ServiceImage(pulumi.ComponentResource):
    """ECR repository (+ optional awsx build) for one service.

    `ServiceImage(name, ServiceImageArgs(...), opts)`. Outputs: `repository`
    (aws.ecr.Repository), `repository_arn`, `repository_url`, `image_uri`
    (`<repository_url>:<context tag>` when built, else None), `build` (the awsx.ecr.Image, or
    None).
    """

    def __init__(self, name: str, args: ServiceImageArgs | None = None,
                 opts: pulumi.ResourceOptions | None = None):
        args = args if args is not None else ServiceImageArgs()
        # Everything is checked before the component registers anything.
        naming = component_naming("ServiceImage", name, args)
        if args.kms_key_arn is None:
            raise ValueError(f"ServiceImage {name!r}: ServiceImageArgs.kms_key_arn is required "
                             "(a KMS key ARN that encrypts the repository's images)")
        physical = args.repository_name or naming.name(max_length=256)
        if not 2 <= len(physical) <= 256 or not ECR_REPOSITORY_NAME.match(physical):
            raise ValueError(f"ServiceImage {name!r}: ServiceImageArgs.repository_name "
                             f"{physical!r} is not an ECR repository name (lowercase letters, "
                             "digits, single . _ - or / between them, 2-256 characters)")
        build, tag, context = args.build, None, None
        if build is not None:
            context = (args.project_dir or Path.cwd()) / build.context
            tag = context_tag(context, build.dockerfile)  # FileNotFoundError naming the path
        super().__init__("groundwork:compute:ServiceImage", name, None, opts)
        self.args = args
        self.repository = aws.ecr.Repository(
            f"{name}-repo",
            name=physical,
            image_tag_mutability="IMMUTABLE",
            image_scanning_configuration=aws.ecr.RepositoryImageScanningConfigurationArgs(
                scan_on_push=True),
            encryption_configurations=[aws.ecr.RepositoryEncryptionConfigurationArgs(
                encryption_type="KMS", kms_key=args.kms_key_arn)],
            force_delete=args.force_delete,
            tags=naming.tagged(physical, Component="image"),
            opts=child_opts(self),
        )
        aws.ecr.LifecyclePolicy(
            f"{name}-lifecycle",
            repository=self.repository.name,
            policy=json.dumps(lifecycle_policy(args.keep_images)),
            opts=child_opts(self),
        )
        self.repository_arn: pulumi.Output[str] = self.repository.arn
        self.repository_url: pulumi.Output[str] = self.repository.repository_url
        self.build = None
        self.image_uri: pulumi.Output[str] | None = None
        if build is not None and tag is not None and context is not None:
            import pulumi_awsx as awsx

            self.build = awsx.ecr.Image(
                f"{name}-build",
                repository_url=self.repository.repository_url,
                context=str(context),
                dockerfile=str(context / build.dockerfile),
                platform=PLATFORMS[args.architecture],
                image_tag=tag,
                opts=child_opts(self),
            )
            self.image_uri = pulumi.Output.concat(self.repository.repository_url, ":", tag)
        self.register_outputs({"repository_url": self.repository_url})
