"""The third-party Python packages the scripts use, checked in one place.

A script names what it needs before it imports the modules that use it
(`check`), so a missing package is one line naming the package and how to
install it, never a traceback, and nothing has run yet. Modules that need a
package only on some paths import it through `require`, so the rest works
without it (scipy only for compare's significance tests, jsonschema only
where documents are validated).

Exit code of a script stopped here: EXIT_MISSING (2, as for other set-up
problems found before anything runs, e.g. a launcher that is not on PATH).
"""
import importlib
import sys

from . import UsageError

EXIT_MISSING = 2

# import name: (Debian package, pip name, what pfsbench uses it for)
PACKAGES = {
    "numpy": ("python3-numpy", "numpy", "the statistics of compare, accept and report (medians, bootstrap)"),
    "scipy": ("python3-scipy", "scipy", "the significance tests of compare and report (Mann-Whitney U, Wilcoxon)"),
    "matplotlib": ("python3-matplotlib", "matplotlib", "the plots of report"),
    "jsonschema": ("python3-jsonschema", "jsonschema",
                   "checking result documents against results/schema (suite, io500, validate_result.py)"),
}

# tomllib (suite files, acceptance specs, IO500 ini hashes) is in the
# standard library from Python 3.11 on.
MIN_PYTHON = (3, 11)


class MissingPackage(UsageError):
    """A package a script needs is not importable (exit EXIT_MISSING)."""


def message(name, error=None):
    """The line that says which package is missing and how to install it."""
    debian, pip, why = PACKAGES[name]
    cause = f" ({error})" if error else ""
    return (f"the Python package '{name}' is missing{cause}, needed for {why}; install it with "
            f"'apt-get install {debian}' (Debian, Ubuntu) or 'python3 -m pip install --user {pip}', "
            f"for the python3 that runs the script ({sys.executable})")


def require(name):
    """The module `name` (a key of PACKAGES), imported; MissingPackage
    naming it when it cannot be imported."""
    try:
        return importlib.import_module(name)
    except ImportError as e:
        raise MissingPackage(message(name, e)) from None


def python_message():
    have = ".".join(str(v) for v in sys.version_info[:3])
    need = ".".join(str(v) for v in MIN_PYTHON)
    return (f"Python {need} or newer is needed (tomllib), this is {have} ({sys.executable}); "
            f"run the script with a newer python3, e.g. 'python3.11 scripts/...'")


def check(prog, *names):
    """Stop the script `prog` with one message per missing package (and an
    old Python) and exit EXIT_MISSING; return when everything is there."""
    problems = []
    if sys.version_info < MIN_PYTHON:
        problems.append(python_message())
    for name in names:
        try:
            require(name)
        except MissingPackage as e:
            problems.append(str(e))
    if problems:
        for p in problems:
            print(f"{prog}: error: {p}", file=sys.stderr)
        sys.exit(EXIT_MISSING)
