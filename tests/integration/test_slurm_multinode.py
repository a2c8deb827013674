"""The tools and the suite under a 2-node Slurm allocation (issue 18).

A private Slurm of two fake nodes (slurm_local.py, nodes=2: one slurmd per
node, each in its own UTS namespace named fnode1/fnode2) is brought up for
this file and torn down after it. Without Slurm, munge or root, every test
skips and says why.

Guards: `srun -N 2` steps place ranks on both nodes and the documents say
so; the suite inside a 2-node allocation launches with srun and its
manifest records the nodes; the sbatch template with -N 2 (--exclusive, the
environment hook sourced) runs a suite over both nodes; scancel
--signal=TERM on a 2-node step stops it with exit 4, the finished phases
kept.
"""
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest

import pfsb
from slurm_local import LocalSlurm, SlurmUnavailable

SUITE = os.path.join(pfsb.ROOT, "scripts", "suite")
TINY = ('[[run]]\nname = "ior"\ntool = "ior_like"\nargs = ["-w", "-r", "-C", "-b", "128k", "-t", "64k", "-o", "{dir}/f"]\n'
        '[[run]]\nname = "md"\ntool = "mdtest_like"\nargs = ["-n", "8", "-N", "2", "-d", "{dir}/md"]\n')


def rank_hosts(env):
    hosts = []
    for node, count in env["rank_node_runs"]:
        hosts += [env["hosts"][node]] * count
    return hosts


class TwoNodeSlurm(unittest.TestCase):
    slurm = None
    skip_reason = None

    @classmethod
    def setUpClass(cls):
        cls.t0 = time.monotonic()
        cls.slurm = LocalSlurm(tempfile.mkdtemp(prefix="pfsb-slurm2-", dir="/tmp"), nodes=2)
        try:
            cls.slurm.up(timeout_s=30)
        except SlurmUnavailable as e:
            cls.skip_reason = f"no local Slurm: {e}"
            shutil.rmtree(cls.slurm.base, ignore_errors=True)
            cls.slurm = None
            return
        plugins = subprocess.run(["srun", "--mpi=list"], capture_output=True, text=True, env=cls.slurm.env())
        if not re.search(r"^\s*pmix\s*$", plugins.stdout + plugins.stderr, re.M):
            cls.skip_reason = "srun has no pmix plugin (srun --mpi=list)"

    @classmethod
    def tearDownClass(cls):
        if cls.slurm is not None:
            cls.slurm.down()
            print(f"\ntest_slurm_multinode: {time.monotonic() - cls.t0:.1f} s", file=sys.stderr)

    def setUp(self):
        if self.skip_reason:
            self.skipTest(self.skip_reason)

    def check_two_nodes(self, doc):
        pfsb.assert_valid(self, doc)
        env = doc["environment"]
        self.assertEqual(env["launcher"]["kind"], "srun")
        self.assertEqual(env["launcher"]["slurm_nodelist"], "fnode[1-2]")
        self.assertEqual(env["nodes"], 2)
        self.assertEqual(env["hosts"], ["fnode1", "fnode2"])
        self.assertEqual(rank_hosts(env), ["fnode1", "fnode1", "fnode2", "fnode2"])

    def test_suite_in_a_two_node_allocation(self):
        """salloc -N 2 running scripts/suite: it detects the allocation, runs
        each tool as `srun --mpi=pmix -n 4` over both nodes, and the manifest
        records the node list, the node count and the hosts the tools saw."""
        with pfsb.temp_dir(pfsb.DISK_TMP) as d:
            suite = os.path.join(d, "tiny.toml")
            with open(suite, "w") as f:
                f.write(TINY)
            target, out = os.path.join(d, "target"), os.path.join(d, "out")
            os.mkdir(target)
            r = subprocess.run(["salloc", "-N", "2", "--ntasks-per-node", "2", "-t", "5", sys.executable, SUITE,
                                suite, "--target", target, "--out", out], capture_output=True, text=True,
                               timeout=300, env=dict(self.slurm.env(), PFSBENCH_BIN_DIR=pfsb.BIN_DIR))
            self.assertEqual(r.returncode, 0, r.stderr)
            with open(os.path.join(out, "manifest.json")) as f:
                m = json.load(f)
            self.assertEqual((m["launcher"], m["np"], m["status"]), ("srun", 4, "ok"))
            self.assertEqual(m["launch_prefix"], ["srun", "--mpi=pmix", "-n", "4"])
            self.assertEqual(m["nodes"], {"slurm_nodelist": "fnode[1-2]", "slurm_nodes": 2,
                                          "hosts": ["fnode1", "fnode2"]})
            for rec in m["runs"]:
                self.assertEqual(rec["hosts"], ["fnode1", "fnode2"])
                with open(os.path.join(out, rec["document"])) as f:
                    self.check_two_nodes(json.load(f))

    def test_sbatch_template_on_two_nodes(self):
        """scripts/slurm/pfsbench.sbatch with -N 2: --exclusive (in the
        template) is granted on the idle nodes, PFSBENCH_ENV is sourced
        before the suite (the site's module loads), and the suite runs over
        both nodes."""
        sbatch = os.path.join(pfsb.ROOT, "scripts", "slurm", "pfsbench.sbatch")
        with open(sbatch) as f:
            self.assertIn("#SBATCH --exclusive", f.read())
        with pfsb.temp_dir(pfsb.DISK_TMP) as d:
            suite = os.path.join(d, "tiny.toml")
            with open(suite, "w") as f:
                f.write(TINY)
            hook = os.path.join(d, "site-env.sh")
            with open(hook, "w") as f:
                f.write('echo "site hook: module load would run here"\nexport PFSB_SITE_HOOK=loaded\n')
            target = os.path.join(d, "target")
            os.mkdir(target)
            env = dict(self.slurm.env(), PFSBENCH_HOME=pfsb.ROOT, PFSBENCH_RESULTS=os.path.join(d, "runs"),
                       PFSBENCH_BIN_DIR=pfsb.BIN_DIR, PFSBENCH_ENV=hook)
            r = subprocess.run(["sbatch", "--wait", "-N", "2", "--ntasks-per-node=2", "--time=5",
                                f"--output={d}/job-%j.out", sbatch, suite, target],
                               capture_output=True, text=True, timeout=300, env=env, cwd=d)
            job = re.search(r"Submitted batch job (\d+)", r.stdout).group(1)
            with open(os.path.join(d, f"job-{job}.out")) as f:
                log = f.read()
            self.assertEqual(r.returncode, 0, log)
            self.assertIn(f"sourcing {hook}", log)
            self.assertIn("site hook: module load would run here", log)
            with open(os.path.join(d, "runs", f"slurm-{job}-tiny", "manifest.json")) as f:
                m = json.load(f)
            self.assertEqual((m["slurm_job_id"], m["np"], m["status"]), (job, 4, "ok"))
            self.assertEqual(m["nodes"]["slurm_nodes"], 2)
            self.assertEqual(m["nodes"]["hosts"], ["fnode1", "fnode2"])

    def test_scancel_term_on_a_two_node_step_keeps_finished_phases(self):
        """scancel --signal=TERM JOB.STEP on a step over both nodes (what
        Slurm does at the time limit): every task stops, exit 4, the final
        document is "interrupted" with the finished phases."""
        with pfsb.temp_dir(pfsb.DISK_TMP) as d:
            doc_path = os.path.join(d, "r.json")
            cmd = ["srun", "-N", "2", "--ntasks-per-node", "2", "--mpi=pmix", "-t", "3", pfsb.tool_path("ior_like"),
                   "-w", "-r", "-i", "100000", "-b", "1m", "-t", "256k", "-o", os.path.join(d, "f"), "--quiet",
                   "--json", doc_path]
            proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                    start_new_session=True, env=self.slurm.env())
            try:
                self.assertTrue(pfsb.wait_for(lambda: len(pfsb.checkpoint_phases(doc_path)) >= 2, 120),
                                "no checkpoint document appeared")
                with open(doc_path) as f:
                    launcher = json.load(f)["environment"]["launcher"]
                r = subprocess.run(["scancel", "--signal=TERM",
                                    f"{launcher['slurm_job_id']}.{launcher['slurm_step_id']}"],
                                   capture_output=True, text=True, env=self.slurm.env())
                self.assertEqual(r.returncode, 0, r.stderr)
                _, err = proc.communicate(timeout=60)
            finally:
                if proc.poll() is None:
                    os.killpg(proc.pid, signal.SIGKILL)
            self.assertEqual(proc.returncode, 4, err)
            with open(doc_path) as f:
                doc = json.load(f)
            self.check_two_nodes(doc)
            self.assertEqual(doc["status"], "interrupted")
            self.assertGreaterEqual(len(doc["phases"]), 2)
            self.assertTrue(any("SIGTERM" in e["message"] for e in doc["errors"]), doc["errors"])
            self.assertFalse(any(w.startswith("checkpoint") for w in doc["warnings"]), "the final document")


if __name__ == "__main__":
    unittest.main()
