"""cmake --install: the tools, the schema, tools.conf and the scripts under
a prefix, working from there without the source tree or the build tree.

Guards: a script that finds its package, schema, suites or tools only in
the source tree (an installed suite would then run the build tree's tools,
or none), and an install that misses a file a script needs."""
import json
import os
import subprocess
import unittest

import pfsb
from pfsbench_results import project

BUILD_DIR = os.path.dirname(pfsb.BIN_DIR)


class Install(unittest.TestCase):
    def test_install_tree_runs_a_suite(self):
        with pfsb.temp_dir(pfsb.DISK_TMP) as d:
            prefix = os.path.join(d, "prefix")
            r = subprocess.run(["cmake", "--install", BUILD_DIR, "--prefix", prefix], capture_output=True, text=True,
                               timeout=300)
            self.assertEqual(r.returncode, 0, r.stderr)
            share = os.path.join(prefix, "share", "pfsbench")
            for tool in project.tools():
                self.assertTrue(os.access(os.path.join(prefix, "bin", tool), os.X_OK), tool)
            for rel in ("tools.conf", "results/schema/result.schema.json", "scripts/suites/quick.toml",
                        "scripts/suites/acceptance.toml", "scripts/suites/io500-like.toml",
                        "scripts/slurm/pfsbench.sbatch", "scripts/pfsbench_results/runner.py",
                        "scripts/specs/desy-ior.toml", "scripts/pfsbench_results/accept.py",
                        "scripts/pfsbench_results/io500.py", "scripts/pfsbench_results/io500_ini.py"):
                self.assertTrue(os.path.exists(os.path.join(share, rel)), rel)
            for link in ("suite", "compare", "accept", "report", "io500", "validate"):
                self.assertTrue(os.access(os.path.join(prefix, "bin", f"pfsbench-{link}"), os.X_OK), link)
            # From the prefix alone: no PFSBENCH_BIN_DIR, another working directory.
            env = {k: v for k, v in os.environ.items() if not k.startswith("PFSBENCH_")}
            with open(os.path.join(d, "tiny.toml"), "w") as f:
                f.write('[[run]]\nname = "ior"\ntool = "ior_like"\n'
                        'args = ["-b", "256k", "-t", "64k", "-i", "2", "-o", "{dir}/f"]\n')
            target = os.path.join(d, "target")
            os.mkdir(target)
            bin_ = os.path.join(prefix, "bin")
            r = subprocess.run([os.path.join(bin_, "pfsbench-suite"), "tiny.toml", "--target", target],
                               capture_output=True, text=True, timeout=300, env=env, cwd=d)
            self.assertEqual(r.returncode, 0, r.stderr)
            out = r.stdout.strip().split("results: ")[-1]
            self.assertTrue(out.startswith(os.path.join(d, "results", "runs")), out)
            with open(os.path.join(out, "manifest.json")) as f:
                m = json.load(f)
            self.assertIn(os.path.join(bin_, "ior_like"), m["runs"][0]["command_line"])
            doc = os.path.join(out, "ior.json")
            r = subprocess.run([os.path.join(bin_, "pfsbench-validate"), doc], capture_output=True, text=True,
                               env=env, cwd=d)
            self.assertEqual(r.returncode, 0, r.stderr)
            r = subprocess.run([os.path.join(bin_, "pfsbench-compare"), doc, doc, "--gate", "5", "--min-runs", "1"],
                               capture_output=True, text=True, env=env, cwd=d)
            self.assertEqual(r.returncode, 0, r.stderr)
            # The shipped spec: a 4-rank run is no evidence for a 384-rank contract.
            r = subprocess.run([os.path.join(bin_, "pfsbench-accept"), os.path.join(share, "scripts", "specs",
                                                                                   "desy-ior.toml"), doc],
                               capture_output=True, text=True, env=env, cwd=d)
            self.assertEqual(r.returncode, 1, r.stderr)
            self.assertIn("no run of this workload", r.stdout)
            r = subprocess.run([os.path.join(bin_, "pfsbench-report"), out, "-o", "r.html"], capture_output=True,
                               text=True, env=env, cwd=d)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertTrue(os.path.getsize(os.path.join(d, "r.html")) > 10000)
            # IO500's driver from the prefix: its module loads, it prints the lines it would run.
            with open(os.path.join(d, "io500.ini"), "w") as f:
                f.write(f"[global]\ndatadir = {d}/io500-data\nresultdir = {d}/io500-results\n")
            r = subprocess.run([os.path.join(bin_, "pfsbench-io500"), "io500.ini", "--dry-run"], capture_output=True,
                               text=True, env=env, cwd=d)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertIn("[RESULT]       ior-easy-write", r.stdout)
            # The shipped suites are found too (quick is checked against the installed tools' --help).
            r = subprocess.run([os.path.join(bin_, "pfsbench-suite"), "quick", "--target", "/nonexistent"],
                               capture_output=True, text=True, env=env, cwd=d)
            self.assertEqual(r.returncode, 2)
            self.assertIn("target /nonexistent is not a directory", r.stderr)


if __name__ == "__main__":
    unittest.main()
