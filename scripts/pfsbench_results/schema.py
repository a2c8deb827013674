"""Validation of result documents against results/schema/result.schema.json
(python3-jsonschema), plus the NaN/Infinity check JSON Schema cannot do."""
import json
import math

from . import deps, project


def load_validator(schema_path=project.SCHEMA):
    jsonschema = deps.require("jsonschema")
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
    """Every schema violation of `doc`, as 'path: message' lines."""
    errs = [f"{'/'.join(str(p) for p in e.absolute_path) or '<root>'}: {e.message}"
            for e in sorted(validator.iter_errors(doc), key=lambda e: list(e.absolute_path))]
    errs += [f"{'/'.join(str(p) for p in path) or '<root>'}: NaN/Infinity is not allowed (absent values are null)"
             for path in non_finite_paths(doc)]
    return errs


_validator = None


def validator():
    """The validator of this tree's schema, loaded once."""
    global _validator
    if _validator is None:
        _validator = load_validator()
    return _validator
