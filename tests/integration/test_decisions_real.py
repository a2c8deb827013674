"""Decisions on real runs on this machine, as the README's recipes run
them (scaled down): the quick suite as an A/A (--ab, identical setups,
--repeat 5) passes the gate; the quick suite's ior_like and mdtest_like
lines on the disk and on /dev/shm, compared without --force, match, differ
significantly for mdtest_like (ior_like's page-cache-bound line is
printed: on a busy machine it is not reliably different), and "what
differs" names ext4 and tmpfs;
the gate and an acceptance spec on those results.

Guards: a comparison of two filesystems that needs --force (paths in the
identity), an A/B whose order is fixed, a recipe in the README that does
not run."""
import json
import os
import re
import sys
import unittest

import pfsb

COMPARE = os.path.join(pfsb.ROOT, "scripts", "compare")
ACCEPT = os.path.join(pfsb.ROOT, "scripts", "accept")
SUITE = os.path.join(pfsb.ROOT, "scripts", "suite")
from test_decisions import run  # noqa: E402


# The quick suite scaled down (the same lines, smaller sizes) for the real runs.
QUICK_SMALL = '''
[[run]]
name = "ior_like"
tool = "ior_like"
args = ["-a", "posix", "-w", "-r", "-Z", "-R", "-b", "8m", "-t", "1m", "-i", "2", "-o", "{dir}/ior_like.dat"]
space_per_rank = "8m"
[[run]]
name = "mdtest_like"
tool = "mdtest_like"
args = ["-n", "200", "-i", "2", "-w", "4096", "-e", "4096", "-d", "{dir}/mdtest"]
space_per_rank = "2m"
'''
QUICK_SMALL_REST = '''
[[run]]
name = "dio_batch"
tool = "dio_batch"
args = ["--engine", "libaio", "--bs", "32k", "--iodepth", "128", "--size", "8m", "-o", "{dir}/dio_batch.dat"]
space_per_rank = "8m"
[[run]]
name = "mmap_read"
tool = "mmap_read"
args = ["--size", "16m", "--threads", "1,2", "--cache", "warm", "-o", "{dir}/mmap_read.dat"]
space = "16m"
'''


class RealRuns(unittest.TestCase):
    """On this machine, as the README's recipes run them."""

    def setUp(self):
        self.dir = self.enterContext(pfsb.temp_dir(pfsb.DISK_TMP))
        self.shm = self.enterContext(pfsb.temp_dir(pfsb.SHM))

    def suite(self, text, name):
        path = os.path.join(self.dir, name)
        with open(path, "w") as f:
            f.write(text)
        return path

    def docs_valid(self, out):
        with open(os.path.join(out, "manifest.json")) as f:
            m = json.load(f)
        for rec in m["runs"]:
            self.assertEqual(rec["status"], "ok", rec)
            with open(os.path.join(out, rec["document"])) as f:
                pfsb.assert_valid(self, json.load(f))
        return m

    def test_ab_of_identical_setups_passes_the_gate(self):
        """Recipe "A/B a tuning flag", with the same setup on both sides."""
        quick = self.suite(QUICK_SMALL + QUICK_SMALL_REST, "quick-small.toml")
        out = os.path.join(self.dir, "aa")
        r = run(SUITE, quick, "--target", self.shm, "--out", out, "--ab", "--repeat", "5",
                "--a-setup", "true", "--b-setup", "true")
        self.assertEqual(r.returncode, 0, r.stderr[-3000:])
        m = self.docs_valid(out)
        self.assertIsInstance(m["ab"]["seed"], int)
        firsts = [m["runs"][i]["side"] for i in range(0, len(m["runs"]), 2)]
        self.assertEqual(set(firsts), {"A", "B"}, "the order is drawn per round")
        r = run(COMPARE, out, "--gate", "5")
        print(f"\nreal A/A (--ab --repeat 5, identical setups):\n{r.stdout}{r.stderr}", file=sys.stderr)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("paired", r.stdout)
        self.assertIn("gate 5%: passed", r.stdout)
        r = run(COMPARE, out, "--json")
        self.assertEqual({v["tool"] for v in json.loads(r.stdout)["verdicts"]},
                         set(re.findall(r'^tool = "(\w+)"', QUICK_SMALL + QUICK_SMALL_REST, re.M)))

    def test_disk_against_tmpfs_without_force(self):
        """Recipe "compare two filesystems": the quick suite's ior_like and
        mdtest_like lines on the disk and on /dev/shm, 5 runs each."""
        quick = self.suite(QUICK_SMALL, "quick-small.toml")
        disk, shm = os.path.join(self.dir, "disk"), os.path.join(self.dir, "shm")
        for target, out in ((self.dir, disk), (self.shm, shm)):
            r = run(SUITE, quick, "--target", target, "--out", out, "--repeat", "5")
            self.assertEqual(r.returncode, 0, r.stderr[-3000:])
            self.docs_valid(out)
        r = run(COMPARE, disk, shm)
        print(f"\nreal disk vs tmpfs:\n{r.stdout}{r.stderr}", file=sys.stderr)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertRegex(r.stdout, r"filesystem type +ext4 +\| +tmpfs")
        out = json.loads(run(COMPARE, disk, shm, "--json").stdout)
        self.assertEqual({v["tool"] for v in out["verdicts"]}, {"ior_like", "mdtest_like"}, "matched, no --force")
        significant = {v["tool"] for v in out["verdicts"] if v["verdict"] in ("improvement", "regression")}
        # mdtest_like: ext4's journal against tmpfs, 10-25x on dir_create/dir_remove here, never missed.
        # ior_like: at the quick line's sizes both sides are the page cache (the virtio disk is cached by
        # the host too), and on a busy 2-core machine the two sides then differ by noise: significant in
        # 2 of 4 tries here, so it is printed above, not asserted.
        self.assertIn("mdtest_like", significant, out["verdicts"])
        # Recipe "gate CI on a baseline": the disk run is the baseline, tmpfs the candidate.
        r = run(COMPARE, disk, shm, "--gate", "5")
        self.assertIn(r.returncode, (0, 1))
        self.assertEqual(r.returncode == 1, any(f["cause"] == "regression"
                                                for f in run_json(disk, shm, "--gate", "5")["gate"]["failures"]))
        # Recipe "check an acceptance spec": a spec for this machine's quick lines.
        spec = os.path.join(self.dir, "spec.toml")
        with open(spec, "w") as f:
            f.write("[[require]]\ntool = 'mdtest_like'\nphase = 'file_create'\nat_least = 1\n"
                    "[[require]]\ntool = 'ior_like'\nphase = 'write'\nat_least = '1 TiB/s'\n")
        r = run(ACCEPT, spec, shm)
        self.assertEqual(r.returncode, 1, r.stdout)
        self.assertIn("PASS  mdtest_like file_create (mdtest_like file_create ops_per_s)", r.stdout)
        self.assertIn("FAIL  ior_like write (ior_like write bandwidth_bytes_per_s)", r.stdout)


def run_json(*args):
    return json.loads(run(COMPARE, *args, "--json").stdout)


if __name__ == "__main__":
    unittest.main()
