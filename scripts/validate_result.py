#!/usr/bin/env python3
"""Validate pfsbench result documents against results/schema/result.schema.json.

Usage: scripts/validate_result.py DOC.json [DOC.json ...]
Exit 0 when every document is valid, 1 otherwise (each error is printed).
"""
import json
import math
import os
import sys

SCHEMA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "results", "schema", "result.schema.json")


def load_validator(schema_path=SCHEMA):
    import jsonschema
    with open(schema_path) as f:
        schema = json.load(f)
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def non_finite_paths(node, path=()):
    """Paths of NaN/Infinity values: Python's json accepts them, JSON Schema
    compares them as numbers, and the document contract forbids them."""
    if isinstance(node, float) and not math.isfinite(node):
        yield path
    elif isinstance(node, dict):
        for k, v in node.items():
            yield from non_finite_paths(v, path + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from non_finite_paths(v, path + (i,))


def errors_of(doc, validator):
    errs = [f"{'/'.join(str(p) for p in e.absolute_path) or '<root>'}: {e.message}"
            for e in sorted(validator.iter_errors(doc), key=lambda e: list(e.absolute_path))]
    errs += [f"{'/'.join(str(p) for p in path) or '<root>'}: NaN/Infinity is not allowed (absent values are null)"
             for path in non_finite_paths(doc)]
    return errs


def main(argv):
    if len(argv) < 2:
        print(__doc__.strip(), file=sys.stderr)
        return 2
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
