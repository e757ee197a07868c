#!/usr/bin/env python3
"""Checks schema/slipway.schema.json: the shipped example config must pass it, and configs the
server refuses (an inline secret, an unknown store type, a typo in a key) must fail it, so editor
autocomplete never approves what `slipway validate` rejects."""
import json
import pathlib
import sys

import jsonschema
import yaml

root = pathlib.Path(__file__).resolve().parent.parent
schema = json.loads((root / "schema/slipway.schema.json").read_text())
jsonschema.Draft202012Validator.check_schema(schema)
validator = jsonschema.Draft202012Validator(schema)

example = yaml.safe_load((root / "deploy/slipway.example.yml").read_text())
all_stores = yaml.safe_load((root / "deploy/slipway.all-stores.example.yml").read_text())
cases = [("deploy/slipway.example.yml is valid", example, True),
         ("deploy/slipway.all-stores.example.yml is valid", all_stores, True)]


def changed(mutate):
    config = json.loads(json.dumps(example))
    mutate(config)
    return config


cases.append(("inline secret is refused", changed(lambda c: c["sources"]["github"].update(token="ghp_inline")), False))
cases.append(("unknown store type is refused", changed(lambda c: c["stores"]["play"].update(type="google-plya")), False))
cases.append(("typo in a rule key is refused", changed(lambda c: c["rules"][0].update(brnches=["main"])), False))
cases.append(("a rule may give a store options of its own",
              changed(lambda c: c["rules"][0].update(stores=["play", {"play": {"chunk_bytes": 524288}}])), True))
cases.append(("a store entry with two names is refused",
              changed(lambda c: c["rules"][0].update(stores=[{"play": {"a": 1}, "other": {"b": 2}}])), False))
cases.append(("chunk size off the 256 KiB grid is refused", changed(lambda c: c["stores"]["play"].update(chunk_bytes=300000)), False))

repository_schema = json.loads((root / "schema/slipway-repository.schema.json").read_text())
jsonschema.Draft202012Validator.check_schema(repository_schema)
repository_validator = jsonschema.Draft202012Validator(repository_schema)
repository_example = yaml.safe_load((root / "deploy/repository-rules.example.yml").read_text())
cases.append(("a repo_rules policy is valid", changed(lambda c: c.update(repo_rules=[{"repos": ["acme/*"], "stores": ["play"]}])), True))
cases.append(("a repo_rules entry without repos is refused", changed(lambda c: c.update(repo_rules=[{"stores": ["play"]}])), False))
cases.append(("a repo_rules grant other than rules is refused",
              changed(lambda c: c.update(repo_rules=[{"repos": "acme/*", "allow": ["stores"]}])), False))
cases.append(("an absolute repo_rules path is refused", changed(lambda c: c.update(repo_rules=[{"repos": "a/b", "path": "/etc/x"}])), False))


def repository_file(mutate=None):
    config = json.loads(json.dumps(repository_example))
    if mutate:
        mutate(config)
    return config


repository_cases = [
    ("deploy/repository-rules.example.yml is valid", repository_file(), True),
    ("a repository file naming another repository is refused", repository_file(lambda c: c["rules"][0].update(repo="acme/other")), False),
    ("a repository file declaring stores is refused", repository_file(lambda c: c.update(stores={"x": {"type": "applivery"}})), False),
    ("store options in a repository file are refused",
     repository_file(lambda c: c["rules"][0].update(stores=[{"applivery-qa": {"tags": ["x"]}}])), False),
]

passed = failed = 0
for name, config, should_pass, checker in [(*case, validator) for case in cases] + [
        (*case, repository_validator) for case in repository_cases]:
    errors = list(checker.iter_errors(config))
    ok = (not errors) if should_pass else bool(errors)
    if ok:
        passed += 1
    else:
        failed += 1
        detail = "; ".join(e.message for e in errors[:3]) if errors else "schema accepted it"
        print(f"FAIL {name}: {detail}")
print(f"schema: {passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
