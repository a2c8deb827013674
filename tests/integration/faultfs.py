"""Mounts for the error-path tests (test_faults.py): faultfs, the
fault-injecting FUSE filesystem of tests/fixtures/faultfs/, and ramfs (which
refuses O_DIRECT at open). Both context managers skip the test, with the
reason, where the mount cannot be made, and always unmount, even when the
test fails."""
import contextlib
import os
import shutil
import subprocess
import tempfile

import pfsb

# The build tree puts the fixture beside bin/: <build>/tests/fixtures/faultfs/faultfs.
FAULTFS = os.environ.get("PFSBENCH_FAULTFS") or os.path.join(os.path.dirname(pfsb.BIN_DIR), "tests", "fixtures",
                                                             "faultfs", "faultfs")


class Mount:
    def __init__(self, mnt, backing, log):
        self.mnt = mnt          # where the tools run
        self.backing = backing  # the same files, without faults (for checking contents)
        self._log = log

    def faults(self):
        """The faults injected so far, one line each ("short write /f at 0: 10 of 4096 bytes")."""
        with open(self._log) as f:
            return [l[len("faultfs: "):].strip() for l in f if l.startswith("faultfs: ")]

    def path(self, *parts):
        return os.path.join(self.mnt, *parts)

    def backing_path(self, *parts):
        return os.path.join(self.backing, *parts)


def _unmount(mnt):
    r = subprocess.run(["fusermount3", "-u", mnt], capture_output=True, text=True)
    if r.returncode != 0:  # still busy (a rank killed mid-call): detach it
        subprocess.run(["fusermount3", "-u", "-z", mnt], capture_output=True, text=True)


@contextlib.contextmanager
def mounted(testcase, faults=()):
    """Mounts faultfs with `faults` (its command-line options, e.g.
    ["--eio-write-after", "65536"]) over a fresh backing directory on
    /dev/shm; yields a Mount."""
    if not os.path.exists(FAULTFS):
        testcase.skipTest(f"{FAULTFS} was not built: pkg-config found no fuse3 (install fuse3 libfuse3-dev)")
    if not os.path.exists("/dev/fuse"):
        testcase.skipTest("/dev/fuse does not exist: no FUSE in this kernel or container")
    if shutil.which("fusermount3") is None:
        testcase.skipTest("fusermount3 is not installed (package fuse3)")
    os.makedirs(pfsb.DISK_TMP, exist_ok=True)
    backing = tempfile.mkdtemp(prefix="pfsb-faultfs-data-", dir=pfsb.SHM)
    log = backing + ".log"
    mnt = tempfile.mkdtemp(prefix="pfsb-faultfs-", dir=pfsb.DISK_TMP)
    proc = None
    try:
        # -f: stays in the foreground, so the test owns the process.
        with open(log, "w") as log_file:
            proc = subprocess.Popen([FAULTFS, *faults, backing, mnt, "-f"],
                                    stdout=subprocess.DEVNULL, stderr=log_file)
        if not pfsb.wait_for(lambda: os.path.ismount(mnt) or proc.poll() is not None, 10):
            testcase.skipTest("faultfs did not mount within 10 s")
        if not os.path.ismount(mnt):
            with open(log) as f:
                testcase.skipTest(f"faultfs cannot mount here: {f.read().strip()}")
        try:
            yield Mount(mnt, backing, log)
        finally:
            _unmount(mnt)
    finally:
        if proc is not None:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        with contextlib.suppress(OSError):
            os.rmdir(mnt)
        with contextlib.suppress(OSError):
            os.unlink(log)
        shutil.rmtree(backing, ignore_errors=True)


def ramfs(testcase):
    """Mounts a ramfs (no O_DIRECT: open fails with EINVAL); a context
    manager yielding its path."""
    return pfsb.small_mount(testcase, "ramfs")
