"""Shared helpers of the integration tests: run a tool under mpiexec, read
and validate its document, make temp dirs on the disk and on /dev/shm, and
mount small filesystems for ENOSPC cases (root only; tests skip otherwise).

Environment (set by tests/integration/CMakeLists.txt):
  PFSBENCH_BIN_DIR   the built executables
  PFSBENCH_MPIEXEC   the mpiexec prefix without the rank count
  PFSBENCH_SCHEMA    results/schema/result.schema.json
  PFSBENCH_DISK_TMP  a directory on the disk (the build tree's filesystem)
"""
import contextlib
import json
import os
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "scripts"))
import validate_result  # noqa: E402
from pfsbench_results import project  # noqa: E402

BIN_DIR = os.environ.get("PFSBENCH_BIN_DIR", os.path.join(ROOT, "build", "bin"))
MPIEXEC = shlex.split(os.environ.get("PFSBENCH_MPIEXEC", shlex.join(["mpiexec", *project.mpirun_flags()])))
SCHEMA = os.environ.get("PFSBENCH_SCHEMA", os.path.join(ROOT, "results", "schema", "result.schema.json"))
DISK_TMP = os.environ.get("PFSBENCH_DISK_TMP", os.path.join(ROOT, "build", "test-tmp"))
SHM = "/dev/shm"

_validator = None


def validator():
    global _validator
    if _validator is None:
        _validator = validate_result.load_validator(SCHEMA)
    return _validator


class Run:
    """The outcome of one tool run."""

    def __init__(self, proc, doc_path):
        self.returncode = proc.returncode
        self.stdout = proc.stdout
        self.stderr = proc.stderr
        self.doc_path = doc_path
        self.doc = None
        if doc_path and os.path.exists(doc_path):
            with open(doc_path) as f:
                self.doc = json.load(f)

    def __repr__(self):
        return f"<Run rc={self.returncode}\nstdout:\n{self.stdout}\nstderr:\n{self.stderr}>"


def tool_path(tool):
    return os.path.join(BIN_DIR, tool)


def mpi_cmd(tool, np, args):
    return MPIEXEC + ["-n", str(np), tool_path(tool)] + list(args)


def run_tool(tool, np, args, json_path=None, timeout=300, env=None):
    """Runs `tool` on `np` ranks; with json_path, adds --json and reads the document."""
    args = list(args)
    if json_path:
        args += ["--json", json_path]
    proc = subprocess.run(mpi_cmd(tool, np, args), capture_output=True, text=True, timeout=timeout,
                          env=env)
    return Run(proc, json_path)


def assert_valid(testcase, doc):
    errs = validate_result.errors_of(doc, validator())
    testcase.assertEqual(errs, [], "document does not follow the schema")


def run_ok(testcase, tool, np, args, json_path, timeout=300):
    """Runs `tool` quietly; asserts exit 0 and a valid document; returns the Run."""
    r = run_tool(tool, np, list(args) + ["--quiet"], json_path, timeout=timeout)
    testcase.assertEqual(r.returncode, 0, r)
    assert_valid(testcase, r.doc)
    return r


@contextlib.contextmanager
def temp_dir(base):
    os.makedirs(base, exist_ok=True)
    d = tempfile.mkdtemp(prefix="pfsb-", dir=base)
    try:
        yield d
    finally:
        shutil.rmtree(d, ignore_errors=True)


def is_root():
    return os.geteuid() == 0


@contextlib.contextmanager
def small_mount(testcase, fstype="tmpfs", size="1m", options=""):
    """Mounts a size-limited filesystem (tmpfs, or ext4/xfs/btrfs on a loop image)
    for ENOSPC cases, or a ramfs (no size limit, no O_DIRECT); skips the
    test with the reason when it cannot."""
    if not is_root():
        testcase.skipTest("mounting a small filesystem needs root")
    os.makedirs(DISK_TMP, exist_ok=True)
    mnt = tempfile.mkdtemp(prefix="pfsb-mnt-", dir=DISK_TMP)
    image = None
    try:
        if fstype == "tmpfs":
            opts = f"size={size}" + (f",{options}" if options else "")
            cmd = ["mount", "-t", "tmpfs", "-o", opts, "tmpfs", mnt]
        elif fstype == "ramfs":
            cmd = ["mount", "-t", "ramfs", "ramfs", mnt]
        else:
            image = mnt + ".img"
            subprocess.run(["truncate", "-s", size, image], check=True)
            mkfs = {"ext4": ["mkfs.ext4", "-q", "-F"], "xfs": ["mkfs.xfs", "-q", "-f"],
                    "btrfs": ["mkfs.btrfs", "-q", "-f"]}.get(fstype)
            if mkfs is None or shutil.which(mkfs[0]) is None:
                testcase.skipTest(f"{fstype}: mkfs not available")
            r = subprocess.run(mkfs + [image], capture_output=True, text=True)
            if r.returncode != 0:
                testcase.skipTest(f"cannot make {fstype}: {r.stderr.strip()}")
            cmd = ["mount", "-o", "loop" + (f",{options}" if options else ""), image, mnt]
        r = subprocess.run(cmd, capture_output=True, text=True)
        if r.returncode != 0:
            testcase.skipTest(f"cannot mount {fstype} ({' '.join(cmd)}): {r.stderr.strip()}")
        try:
            yield mnt
        finally:
            subprocess.run(["umount", "-l", mnt], capture_output=True)
    finally:
        with contextlib.suppress(OSError):
            os.rmdir(mnt)
        if image:
            with contextlib.suppress(OSError):
                os.unlink(image)


def start_tool(tool, np, args, json_path=None):
    """Starts a run in the background (for signal tests); returns the Popen."""
    args = list(args)
    if json_path:
        args += ["--json", json_path]
    return subprocess.Popen(mpi_cmd(tool, np, args), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, start_new_session=True)


def _descendants(root_pid):
    """PIDs of every process below `root_pid`, from /proc/*/stat."""
    children = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])  # the field after the state
        children.setdefault(ppid, []).append(int(entry))
    found, stack = [], [root_pid]
    while stack:
        for child in children.get(stack.pop(), []):
            found.append(child)
            stack.append(child)
    return found


def rank_pids(tool, parent_pid):
    """PIDs of the tool's rank processes below `parent_pid` (mpiexec, and
    any orted/prted helper under it). Only this run's: ctest runs test files
    side by side, and a match on the command line alone (pgrep -f) once
    signalled another test's mpiexec."""
    path = tool_path(tool)
    pids = []
    for pid in _descendants(parent_pid):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                argv0 = f.read().split(b"\0")[0].decode(errors="replace")
        except OSError:
            continue
        if argv0 == path:
            pids.append(pid)
    return sorted(pids)


def signal_ranks(tool, proc, sig=signal.SIGTERM):
    """Sends `sig` to every rank process, as Slurm does at the time limit."""
    pids = rank_pids(tool, proc.pid)
    if not pids:
        raise AssertionError(f"no {tool} rank runs below mpiexec (pid {proc.pid}): nothing to signal")
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, sig)


def checkpoint_phases(doc_path):
    """The phases of the document a running tool has checkpointed so far;
    [] while there is none yet (or it is being replaced)."""
    try:
        with open(doc_path) as f:
            return json.load(f)["phases"]
    except (OSError, ValueError):
        return []


def sigterm_after_checkpoint(testcase, tool, np, args, doc_path, phases=2, ready=None, exit_timeout_s=120):
    """Starts `tool`, waits until its checkpoint holds `phases` finished
    phases (and, when given, until `ready()` is true), sends SIGTERM to its
    ranks and waits up to `exit_timeout_s` for it. Returns (exit code,
    stderr, final document); never leaves the run behind."""
    proc = start_tool(tool, np, args, doc_path)
    try:
        testcase.assertTrue(wait_for(lambda: len(checkpoint_phases(doc_path)) >= phases, 120),
                            "no checkpoint document appeared")
        if ready is not None:
            testcase.assertTrue(wait_for(ready, 120), "the run never reached the state to interrupt")
        signal_ranks(tool, proc, signal.SIGTERM)
        _, err = proc.communicate(timeout=exit_timeout_s)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    with open(doc_path) as f:
        doc = json.load(f)
    return proc.returncode, err, doc


def wait_for(predicate, timeout_s=60.0, step_s=0.05):
    end = time.time() + timeout_s
    while time.time() < end:
        if predicate():
            return True
        time.sleep(step_s)
    return False


# --- the data pattern of core/include/pfsbench/pattern.hpp, written again in
# Python from its definition, so file contents are checked independently of
# the C++ code that wrote them.
_M64 = (1 << 64) - 1


def _splitmix64(state):
    state = (state + 0x9E3779B97F4A7C15) & _M64
    z = state
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _M64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _M64
    return state, z ^ (z >> 31)


class Pattern:
    """Word k of a file is (8k) ^ key when k % 512 == 0, else base[k % 512]."""

    def __init__(self, seed):
        state, self.key = _splitmix64(seed & _M64)
        words = []
        for _ in range(512):
            state, w = _splitmix64(state)
            words.append(w)
        self.block = b"".join(w.to_bytes(8, "little") for w in words)

    def expected(self, offset, length):
        """The pattern bytes of the file range [offset, offset + length)."""
        first = offset - offset % 4096
        out = bytearray()
        for block_start in range(first, offset + length, 4096):
            stamp = ((block_start // 8 * 8) ^ self.key).to_bytes(8, "little")
            out += stamp + self.block[8:]
        start = offset - first
        return bytes(out[start:start + length])


def ior_fpp_seed(seed, rank):
    """ior_like's per-file pattern seed with -F (run.cpp pattern_seed)."""
    return (seed ^ ((0x9E3779B97F4A7C15 * (rank + 1)) & _M64)) & _M64
