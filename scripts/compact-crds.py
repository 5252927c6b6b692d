#!/usr/bin/env python3
"""Writes provisioner/schemas/crds.json from a folder of CRD YAML files.

The provisioner checks manifests against the OpenAPI v3 schemas of the
kinds it reads (unknown fields today; more of the schema later). It ships
them in this compact form: per kind, every version's openAPIV3Schema with
the `description` texts left out, plus which version is stored and which
are served. Usage:

    python3 scripts/compact-crds.py DIR > provisioner/schemas/crds.json

Needs PyYAML (`pip install pyyaml`). Only the release engineer runs it,
when the schemas are updated; the build and the tests read the JSON.
"""
import glob
import json
import os
import sys

import yaml


def strip(node):
    """A schema without its `description` texts (a property that is
    itself named `description` stays)."""
    if isinstance(node, dict):
        out = {}
        for k, v in node.items():
            if k == "description":
                continue
            if k == "properties" and isinstance(v, dict):
                out[k] = {name: strip(sub) for name, sub in v.items()}
            else:
                out[k] = strip(v)
        return out
    if isinstance(node, list):
        return [strip(v) for v in node]
    return node


def main(folder):
    kinds = {}
    for path in sorted(glob.glob(os.path.join(folder, "*.yaml"))):
        with open(path) as f:
            crd = yaml.safe_load(f)
        if not isinstance(crd, dict) or crd.get("kind") != "CustomResourceDefinition":
            continue
        spec = crd["spec"]
        versions = {}
        storage = None
        served = []
        for v in spec["versions"]:
            versions[v["name"]] = strip(v["schema"]["openAPIV3Schema"])
            if v.get("storage"):
                storage = v["name"]
            if v.get("served"):
                served.append(v["name"])
        kinds[f'{spec["group"]}/{spec["names"]["kind"]}'] = {
            "storage": storage,
            "served": served,
            "versions": versions,
        }
    json.dump(kinds, sys.stdout, sort_keys=True, separators=(",", ":"))
    sys.stdout.write("\n")


if __name__ == "__main__":
    main(sys.argv[1])
