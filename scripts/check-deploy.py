#!/usr/bin/env python3
"""Checks deploy/ offline (issue 14 §1): every Kubernetes manifest against the Kubernetes schemas
(kubernetes-validate, strict: unknown fields are errors), deploy/compose.yaml against the Compose
Specification schema, and what the files must agree on — the drain (server.shutdown_grace_seconds)
shorter than the time the orchestrator waits after SIGTERM, probes on /healthz and /readyz, a non-root
user and a read-only root filesystem. Prints one line per check; exits 1 on the first failed one.

The Compose schema is the one docker-compose 1.29.2's wheel carries (compose/config/compose_spec.json),
downloaded once into .build/deploy-check with `pip download --no-deps`; nothing of it is committed."""
import glob
import json
import pathlib
import re
import subprocess
import sys
import zipfile

import jsonschema
import yaml

root = pathlib.Path(__file__).resolve().parent.parent
deploy = root / "deploy"
failures = []


def check(ok, what, detail=""):
    print(("ok     " if ok else "FAILED ") + what + (f": {detail}" if detail and not ok else ""))
    if not ok:
        failures.append(what)


def compose_schema():
    cache = root / ".build" / "deploy-check"
    wheels = glob.glob(str(cache / "docker_compose-1.29.2-*.whl"))
    if not wheels:
        cache.mkdir(parents=True, exist_ok=True)
        subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--dest", str(cache),
                        "docker-compose==1.29.2"], check=True)
        wheels = glob.glob(str(cache / "docker_compose-1.29.2-*.whl"))
    return json.loads(zipfile.ZipFile(wheels[0]).read("compose/config/compose_spec.json"))


def seconds(text):
    match = re.fullmatch(r"(\d+)s", str(text))
    return int(match.group(1)) if match else int(text)


# Kubernetes: every manifest, strictly.
manifests = sorted(glob.glob(str(deploy / "kubernetes" / "*.yaml")))
result = subprocess.run(["kubernetes-validate", "--strict", "--quiet", *manifests], capture_output=True, text=True)
check(result.returncode == 0 and len(manifests) >= 6, f"{len(manifests)} Kubernetes manifests against the 1.37 schemas",
      (result.stdout + result.stderr).strip())

documents = {pathlib.Path(m).stem: yaml.safe_load(open(m)) for m in manifests}
kinds = {d["kind"] for d in documents.values()}
check({"Deployment", "Service", "Ingress", "Secret", "ConfigMap", "PodDisruptionBudget"} <= kinds,
      "Deployment, Service, Ingress, Secret, ConfigMap and PodDisruptionBudget are there", str(sorted(kinds)))

deployment = documents["deployment"]
pod = deployment["spec"]["template"]["spec"]
container = pod["containers"][0]
config = yaml.safe_load(documents["configmap"]["data"]["slipway.yml"])
grace = config["server"].get("shutdown_grace_seconds", 60)
check(deployment["spec"]["replicas"] == 2, "two replicas")
check(pod["terminationGracePeriodSeconds"] > grace,
      f"terminationGracePeriodSeconds ({pod['terminationGracePeriodSeconds']}) exceeds the drain ({grace} s)")
check(container["readinessProbe"]["httpGet"]["path"] == "/readyz", "readiness on /readyz")
check(container["livenessProbe"]["httpGet"]["path"] == "/healthz", "liveness on /healthz")
check(pod["securityContext"].get("runAsNonRoot") is True, "runs as non-root")
check(container["securityContext"].get("readOnlyRootFilesystem") is True, "read-only root filesystem")
mounts = {m["mountPath"] for m in container["volumeMounts"]}
check(pathlib.PurePath(config["server"]["data_dir"]).is_relative_to("/var/lib/slipway") and "/var/lib/slipway" in mounts,
      "server.data_dir is on a writable volume")
check({"requests", "limits"} <= set(container["resources"]), "resource requests and limits")

# Compose: against the Compose Specification, and the same agreements.
compose = yaml.safe_load(open(deploy / "compose.yaml"))
try:
    jsonschema.validate(compose, compose_schema())
    check(True, "deploy/compose.yaml against the Compose Specification schema")
except jsonschema.ValidationError as error:
    check(False, "deploy/compose.yaml against the Compose Specification schema", error.message)
services = compose["services"]
replicas = [s for s in services.values() if s.get("image") == "slipway:local"]
compose_config = yaml.safe_load(open(deploy / "compose" / "slipway.yml"))
compose_grace = compose_config["server"].get("shutdown_grace_seconds", 60)
check(len(replicas) == 2 and "postgres" in services and "caddy" in services, "PostgreSQL, two replicas and Caddy")
check(all(seconds(r["stop_grace_period"]) > compose_grace for r in replicas),
      f"stop_grace_period exceeds the drain ({compose_grace} s)")
check(all(r.get("read_only") is True for r in replicas), "replicas run with a read-only root filesystem")
check(all("SLIPWAY_DATABASE_URL" in r["environment"] for r in replicas), "replicas share PostgreSQL")

# The image: non-root, a health check.
dockerfile = (deploy / "Dockerfile").read_text()
check(re.search(r"^USER (?!root|0\b)\S+", dockerfile, re.M) is not None, "the image runs as non-root")
check("HEALTHCHECK" in dockerfile and "/healthz" in dockerfile, "the image has a HEALTHCHECK")

sys.exit(1 if failures else 0)
