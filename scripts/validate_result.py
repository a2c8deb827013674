#!/usr/bin/env python3
"""Validate pfsbench result documents against results/schema/result.schema.json.

Usage: scripts/validate_result.py DOC.json [DOC.json ...]
Exit 0 when every document is valid, 1 otherwise (each error is printed),
2 without a document or without the Python package jsonschema.
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.realpath(__file__)))
from pfsbench_results import deps  # noqa: E402
from pfsbench_results.project import SCHEMA  # noqa: E402,F401 (the C++ tests read it)
from pfsbench_results.schema import errors_of, load_validator, non_finite_paths  # noqa: E402,F401


def main(argv):
    if len(argv) < 2:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    # Here, not at import: tests import this module for load_validator.
    deps.check("scripts/validate_result.py", "jsonschema")  # one line naming the package, exit 2
    validator = load_validator()
    bad = 0
    for path in argv[1:]:
        try:
            with open(path) as f:
                doc = json.load(f)
        except (OSError, ValueError) as e:
            print(f"{path}: not a readable JSON document: {e}", file=sys.stderr)
            bad += 1
            continue
        errs = errors_of(doc, validator)
        for e in errs:
            print(f"{path}: {e}", file=sys.stderr)
        bad += bool(errs)
        if not errs:
            print(f"{path}: valid ({doc.get('tool')}, status {doc.get('status')})")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
