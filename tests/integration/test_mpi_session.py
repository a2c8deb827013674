"""MpiSession checks the thread level MPI gives (core/src/mpi.cpp): below
MPI_THREAD_FUNNELED the watchdog's and mmap_read's threads are not allowed,
so a tool must stop with a clear error instead of running on. The MPI
library is made to grant MPI_THREAD_SINGLE by an LD_PRELOAD shim
(tests/fixtures/thread_single). Buggy result: exit 0 and a document."""
import os
import unittest

import pfsb

SHIM = os.path.join(os.path.dirname(pfsb.BIN_DIR), "tests", "fixtures", "thread_single", "libpfsb_thread_single.so")


class ThreadLevel(unittest.TestCase):

    def test_single_thread_mpi_is_refused(self):
        if not os.path.exists(SHIM):
            self.skipTest(f"{SHIM} was not built")
        with pfsb.temp_dir(pfsb.SHM) as d:
            env = dict(os.environ, LD_PRELOAD=SHIM)
            # mpiexec passes LD_PRELOAD on to the ranks with -x.
            args = ["-w", "-b", "64k", "-t", "64k", "-o", os.path.join(d, "f")]
            cmd = pfsb.MPIEXEC + ["-x", "LD_PRELOAD", "-n", "2", pfsb.tool_path("ior_like")] + args
            import subprocess
            p = subprocess.run(cmd, capture_output=True, text=True, timeout=120, env=env)
            self.assertEqual(p.returncode, 1, p.stderr)
            self.assertIn("ior_like: error: the MPI library gives thread level 0 where MPI_THREAD_FUNNELED", p.stderr)
            self.assertFalse(os.path.exists(os.path.join(d, "f")), "no I/O was done")


if __name__ == "__main__":
    unittest.main()
