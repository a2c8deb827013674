"""Helpers of the scripts/bench-* comparisons: build, launch, medians."""
import os
import shutil
import statistics
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.realpath(__file__)))
from pfsbench_results import project  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.environ.get("PFSBENCH_BUILD_DIR", os.path.join(ROOT, "build"))
BIN = os.path.join(BUILD, "bin")


def ensure_built():
    """Installs what is missing and builds Release, as scripts/run does."""
    subprocess.run(["bash", "-c", f'source "{ROOT}/scripts/common.sh"; ensure_deps; build Release'], check=True)
    if shutil.which("fio") is None:
        sys.exit("fio is not installed (apt-get install fio)")


def mpirun(np):
    # tools.conf's flags, which leave ranks unpinned: fio does not pin its
    # jobs either; a pinned rank cannot move off a core that another process
    # is using.
    return ["mpirun", *project.mpirun_flags(), "-np", str(np)]


def median(values):
    return statistics.median(values)


def gib(v):
    return v / 2**30


def print_table(rows, headers):
    widths = [max(len(str(h)), *(len(str(r[i])) for r in rows)) for i, h in enumerate(headers)]
    print("  ".join(str(h).rjust(w) for h, w in zip(headers, widths)))
    for r in rows:
        print("  ".join(str(c).rjust(w) for c, w in zip(r, widths)))
