"""scripts/compare on real ior_like documents: the ratio is other / baseline
of the median over iterations, and runs that differ only in --tag share the
configuration hash (no warning), while another configuration is flagged."""
import os
import subprocess
import unittest

import pfsb

COMPARE = os.path.join(pfsb.ROOT, "scripts", "compare")


class Compare(unittest.TestCase):
    def test_compare_two_runs(self):
        with pfsb.temp_dir(pfsb.SHM) as d:
            a, b, c = (os.path.join(d, n) for n in ("a.json", "b.json", "c.json"))
            args = ["-b", "256k", "-t", "64k", "-i", "2", "--quiet", "-o", os.path.join(d, "f")]
            for path, extra in ((a, ["--tag", "flag=off"]), (b, ["--tag", "flag=on"]), (c, ["-s", "2"])):
                r = pfsb.run_tool("ior_like", 2, args + extra, path)
                self.assertEqual(r.returncode, 0, r)
            r = subprocess.run([pfsb.sys.executable, COMPARE, a, b, "--metric", "bandwidth_bytes_per_s"],
                               capture_output=True, text=True)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertNotIn("config_hash differs", r.stderr)
            write = [l for l in r.stdout.splitlines() if l.startswith("write")][0].split()
            base, other, ratio = float(write[-3]), float(write[-2]), float(write[-1])
            self.assertAlmostEqual(ratio, other / base, delta=0.002 * max(1.0, other / base))
            r = subprocess.run([pfsb.sys.executable, COMPARE, a, c], capture_output=True, text=True)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertIn("config_hash differs", r.stderr)

    def test_not_a_document(self):
        with pfsb.temp_dir(pfsb.SHM) as d:
            junk = os.path.join(d, "x.json")
            with open(junk, "w") as f:
                f.write('{"hello": 1}')
            r = subprocess.run([pfsb.sys.executable, COMPARE, junk, junk], capture_output=True, text=True)
            self.assertEqual(r.returncode, 1)
            self.assertIn("not a pfsbench result document", r.stderr)


if __name__ == "__main__":
    unittest.main()
