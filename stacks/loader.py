"""Where an environment's config comes from: the Pulumi runtime in a real `pulumi up`, or the
stack file `Pulumi.<stack>.yaml` when groundwork plans offline. Both end in `load_environment`,
so a bad key fails the same way, with the same message, before any resource exists."""

from __future__ import annotations

import contextlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from groundwork.stacks.config import NAMESPACE, ConfigError, EnvironmentConfig, load_environment

PROJECT_DIR = Path(__file__).resolve().parent.parent
SECRET_PLACEHOLDER = "offline-placeholder-secret"
"""What a `secure:` value becomes offline: it can't be decrypted without the stack's secrets
provider, and the plan never needs its real value."""


@dataclass
class StackFile:
    """One `Pulumi.<stack>.yaml`, read for offline use."""

    stack: str
    path: Path
    config: dict[str, Any]
    """Every config key, fully qualified (`aws:region`, `groundwork:network`), secrets replaced."""
    secret_keys: list[str] = field(default_factory=list)
    """Keys that held a `secure:` value somewhere inside."""

    @property
    def namespace(self) -> dict[str, Any]:
        """The `groundwork:` keys, without the prefix."""
        prefix = f"{NAMESPACE}:"
        return {k[len(prefix):]: v for k, v in self.config.items() if k.startswith(prefix)}

    @property
    def region(self) -> str | None:
        region = self.config.get("aws:region")
        return region if isinstance(region, str) else None

    def engine_config(self) -> dict[str, str]:
        """The config map as the Pulumi runtime holds it: strings, structured values as JSON."""
        return {k: v if isinstance(v, str) else json.dumps(v) for k, v in self.config.items()}


def _replace_secure(value: Any) -> tuple[Any, bool]:
    if isinstance(value, dict):
        if set(value) == {"secure"}:
            return SECRET_PLACEHOLDER, True
        found = False
        out = {}
        for k, v in value.items():
            out[k], hit = _replace_secure(v)
            found |= hit
        return out, found
    if isinstance(value, list):
        items = [_replace_secure(v) for v in value]
        return [v for v, _ in items], any(h for _, h in items)
    return value, False


def known_stacks(project_dir: Path) -> list[str]:
    """The stacks that have a `Pulumi.<stack>.yaml` in the project directory."""
    return sorted(p.name[len("Pulumi."):-len(".yaml")] for p in project_dir.glob("Pulumi.*.yaml"))


def read_stack_file(stack: str, project_dir: Path = PROJECT_DIR, *, project: str = NAMESPACE,
                    missing_ok: bool = False) -> StackFile:
    """Read `Pulumi.<stack>.yaml`; ConfigError (not a traceback) if it is missing or not YAML.

    Bare keys are qualified with `project` (the project's name), as Pulumi does. With
    `missing_ok`, a missing file is an empty config (a stack that sets no config)."""
    path = project_dir / f"Pulumi.{stack}.yaml"
    if not path.is_file():
        if missing_ok:
            return StackFile(stack=stack, path=path, config={})
        known = known_stacks(project_dir)
        raise ConfigError(
            [f"no stack file {path.name}; known stacks: {', '.join(known) or 'none'}"], stack
        )
    try:
        doc = yaml.safe_load(path.read_text()) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark else ""
        raise ConfigError([f"{path.name} is not valid YAML{where}: {getattr(exc, 'problem', exc)}"],
                          stack) from None
    if not isinstance(doc, dict) or not isinstance(doc.get("config", {}), dict):
        raise ConfigError([f"{path.name}: expected a mapping with a 'config:' section"], stack)
    config: dict[str, Any] = {}
    secret_keys: list[str] = []
    for key, value in (doc.get("config") or {}).items():
        key = str(key)
        if ":" not in key:
            key = f"{project}:{key}"  # Pulumi qualifies bare keys with the project name
        config[key], secret = _replace_secure(value)
        if secret:
            secret_keys.append(key)
    return StackFile(stack=stack, path=path, config=config, secret_keys=secret_keys)


DEFAULT_REGION = "us-east-1"
"""The region of an offline plan whose stack sets no `aws:region`."""


@dataclass(frozen=True)
class PulumiProject:
    """A Pulumi Python project directory, as its `Pulumi.yaml` describes it."""

    dir: Path
    name: str
    """The project name (`name:`): the namespace of its bare config keys and part of every URN."""
    program: Path
    """The entry point: `<main>/__main__.py` (or the `main:` file), default `__main__.py`."""
    config: dict[str, Any] = field(default_factory=dict)
    """Project-level config values (`config:` of Pulumi.yaml with a `value` or `default`),
    fully qualified; a stack file's values win over them."""

    @property
    def is_groundwork(self) -> bool:
        """groundwork's own program: its `groundwork:` namespace is an EnvironmentConfig. Any
        other project's config is passed through to its program unvalidated."""
        return self.name == NAMESPACE


def read_project(project_dir: Path = PROJECT_DIR) -> PulumiProject:
    """Read `<project_dir>/Pulumi.yaml`; ConfigError (one line) if it is missing, not YAML, not
    a Python project, or its program is missing. A folder that holds only groundwork's
    Pulumi.yaml and stack files runs groundwork's own program."""
    path = project_dir / "Pulumi.yaml"
    if not path.is_file():
        raise ConfigError([f"no Pulumi.yaml in {project_dir}: run groundwork in a Pulumi project "
                           "directory, or pass --project-dir"])
    try:
        doc = yaml.safe_load(path.read_text()) or {}
    except yaml.YAMLError as exc:
        raise ConfigError([f"{path} is not valid YAML: {getattr(exc, 'problem', exc)}"]) from None
    if not isinstance(doc, dict) or not isinstance(doc.get("name"), str) or not doc["name"]:
        raise ConfigError([f"{path}: expected a mapping with a 'name:'"])
    name = doc["name"]
    runtime = doc.get("runtime")
    runtime_name = runtime.get("name") if isinstance(runtime, dict) else runtime
    if runtime_name not in (None, "python"):
        raise ConfigError([f"{path}: runtime {runtime_name!r}: groundwork plans Python programs only"])
    main = doc.get("main")
    program = project_dir / str(main) if main else project_dir
    if program.is_dir() or not main:
        program = program / "__main__.py"
    if not program.is_file():
        if name != NAMESPACE:
            raise ConfigError([f"{path}: no program at {program} (the 'main:' of Pulumi.yaml, "
                               "default __main__.py)"])
        program = PROJECT_DIR / "__main__.py"  # groundwork's stack files kept in another folder
    config: dict[str, Any] = {}
    for key, value in (doc.get("config") or {}).items():
        key = str(key) if ":" in str(key) else f"{name}:{key}"
        if isinstance(value, dict):
            if "value" in value:
                value = value["value"]
            elif "default" in value:
                value = value["default"]
            else:
                continue
        config[key], _ = _replace_secure(value)
    return PulumiProject(dir=project_dir, name=name, program=program, config=config)


def environment_from_file(stack: str, project_dir: Path = PROJECT_DIR) -> EnvironmentConfig:
    """Validate a stack file offline (the CLI's first step), and its subnet lock if it has one."""
    from groundwork.stacks.subnet_lock import check_environment

    sf = read_stack_file(stack, project_dir)
    env = load_environment(sf.namespace, stack=stack, region=sf.region)
    check_environment(env, project_dir)
    return env


def running_project_dir() -> Path:
    """The project of the running program, where its subnet locks are: the working directory
    when it holds a Pulumi.yaml (what `pulumi up` runs in, and the CLI's rule for a user's own
    stack files), else groundwork's own."""
    cwd = Path.cwd()
    return cwd if (cwd / "Pulumi.yaml").is_file() else PROJECT_DIR


def environment_from_pulumi() -> EnvironmentConfig:
    """Validate the running program's config (the first line of `__main__.py`)."""
    import pulumi
    from pulumi.runtime import config as runtime_config

    from groundwork.stacks.subnet_lock import check_environment

    everything = {**runtime_config.get_config_env(), **runtime_config.CONFIG.get()}
    prefix = f"{NAMESPACE}:"
    raw: dict[str, Any] = {}
    for key, value in everything.items():
        if not key.startswith(prefix):
            continue
        name = key[len(prefix):]
        if isinstance(value, str):
            with contextlib.suppress(json.JSONDecodeError):
                value = json.loads(value) if value[:1] in "{[" else value
        raw[name] = value
    region = pulumi.Config("aws").get("region")
    env = load_environment(raw, stack=pulumi.get_stack(), region=region)
    check_environment(env, running_project_dir())  # subnet lock: before any resource exists
    return env
