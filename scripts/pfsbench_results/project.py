"""Where pfsbench's files are, in a source tree or under an install prefix,
and the facts of tools.conf (the tool list and the mpirun flags), which
CMake and scripts/common.sh read too."""
import os
import subprocess
import sys

# scripts/pfsbench_results/project.py -> the source tree, or
# <prefix>/share/pfsbench when installed (cmake --install keeps the layout).
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.realpath(__file__))))
CONF = os.path.join(ROOT, "tools.conf")
SCHEMA = os.path.join(ROOT, "results", "schema", "result.schema.json")
SUITES_DIR = os.path.join(ROOT, "scripts", "suites")


def is_source_tree():
    return os.path.exists(os.path.join(ROOT, "CMakeLists.txt"))


def read_conf(path=CONF):
    """tools.conf as {key: [words]}. Raises OSError or ValueError (a line
    that is not `key = words`)."""
    conf = {}
    with open(path) as f:
        for number, line in enumerate(f, 1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            key, sep, value = line.partition("=")
            if not sep or not key.strip():
                raise ValueError(f"{path}:{number}: not 'key = words': {line}")
            conf[key.strip()] = value.split()
    return conf


def tools():
    """The tool names, in tools.conf's order."""
    return read_conf()["tools"]


def mpirun_flags(euid=None):
    """The flags every mpirun of pfsbench gets (before -np)."""
    conf = read_conf()
    flags = list(conf.get("mpirun_flags", []))
    if (os.geteuid() if euid is None else euid) == 0:
        flags += conf.get("mpirun_root_flags", [])
    return flags


def bin_dir():
    """The tools' directory: $PFSBENCH_BIN_DIR, else the build tree's bin/
    ($PFSBENCH_BUILD_DIR or build/), else <prefix>/bin when installed."""
    if os.environ.get("PFSBENCH_BIN_DIR"):
        return os.environ["PFSBENCH_BIN_DIR"]
    if is_source_tree():
        return os.path.join(os.environ.get("PFSBENCH_BUILD_DIR", os.path.join(ROOT, "build")), "bin")
    return os.path.normpath(os.path.join(ROOT, "..", "..", "bin"))


def tool_path(tool):
    return os.path.join(bin_dir(), tool)


def default_results_dir():
    """results/runs of the source tree; under the current directory when installed."""
    base = ROOT if is_source_tree() else os.getcwd()
    return os.path.join(base, "results", "runs")


def ensure_built(names):
    """In a source tree without $PFSBENCH_BIN_DIR, builds the tools when one
    of `names` is missing (scripts/common.sh: install what is missing, build
    Release), so a suite runs on a fresh clone. Returns False when the build
    failed; installed or with $PFSBENCH_BIN_DIR it never builds."""
    missing = [t for t in names if not os.access(tool_path(t), os.X_OK)]
    if not missing or not is_source_tree() or os.environ.get("PFSBENCH_BIN_DIR"):
        return True
    print(f"pfsbench: {', '.join(missing)} not built in {bin_dir()}: building (scripts/common.sh build Release)",
          file=sys.stderr, flush=True)
    r = subprocess.run(["bash", "-c", 'source "$1/scripts/common.sh" && ensure_deps && build Release', "bash", ROOT],
                       stdout=sys.stderr)
    return r.returncode == 0
