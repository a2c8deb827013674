"""The tools under `srun`, as users run them on Slurm clusters.

A private single-node Slurm is brought up for this file (slurm_local.py:
munged, slurmctld, slurmd on this host, state in a temp dir) and torn down
after it. Without Slurm and munge installed, or without root, every test
skips and says why.

Guards: a run started by srun (Open MPI direct launch through srun's PMIx
plugin) works and is recorded as such: environment.launcher says "srun" with
the job id, step id and node list that Slurm itself reports (srun -v, scontrol),
ranks/nodes/hosts match the step; a SIGTERM delivered by Slurm
(scancel --signal=TERM, as at the time limit) stops the run with exit 4,
status "interrupted", the finished phases kept; a SIGTERM or a double
Ctrl-C to srun itself (srun then kills the tasks with SIGKILL) leaves a valid
"interrupted" document with the finished phases (the checkpoint).
"""
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import unittest

import pfsb
from slurm_local import LocalSlurm, SlurmUnavailable

KiB = 1024
STEP_RE = re.compile(r"launching StepId=(\d+)\.(\d+) on host (\S+?),")


class SrunRuns(unittest.TestCase):
    slurm = None
    skip_reason = None
    job_id = None  # one allocation; each srun below is one step of it
    mpi = None

    @classmethod
    def setUpClass(cls):
        cls.t0 = time.monotonic()
        cls.slurm = LocalSlurm(tempfile.mkdtemp(prefix="pfsb-slurm-", dir="/tmp"))
        try:
            cls.slurm.up(timeout_s=30)
        except SlurmUnavailable as e:
            cls.skip_reason = f"no local Slurm: {e}"
            shutil.rmtree(cls.slurm.base, ignore_errors=True)
            cls.slurm = None
            return
        cls.up_s = time.monotonic() - cls.t0
        plugins = subprocess.run(["srun", "--mpi=list"], capture_output=True, text=True, env=cls.slurm.env())
        listed = plugins.stdout + plugins.stderr
        # Open MPI 4.1 direct launch needs PMIx (or PMI-2 when built with it).
        cls.mpi = next((m for m in ("pmix", "pmi2") if re.search(rf"^\s*{m}\s*$", listed, re.M)), None)
        # One allocation without a shell: its steps get ids 0, 1, ...
        r = subprocess.run(["salloc", "--no-shell", "-n", "2", "-N", "1", "-t", "10", "-J", "pfsb-test"],
                           capture_output=True, text=True, timeout=30, env=cls.slurm.env())
        m = re.search(r"Granted job allocation (\d+)", r.stderr)
        if r.returncode != 0 or not m:
            cls.skip_reason = f"salloc failed: {r.stderr.strip()}"
            return
        cls.job_id = m.group(1)

    @classmethod
    def tearDownClass(cls):
        if cls.slurm is None:
            return
        t = time.monotonic()
        cls.slurm.down()
        print(f"\ntest_slurm: bring-up {cls.up_s:.1f} s, whole file {time.monotonic() - cls.t0:.1f} s "
              f"(teardown {time.monotonic() - t:.1f} s)", file=sys.stderr)

    def setUp(self):
        if self.skip_reason:
            self.skipTest(self.skip_reason)
        if self.mpi is None:
            self.skipTest("srun has no pmix or pmi2 plugin (srun --mpi=list); Open MPI cannot be direct-launched")

    def srun_cmd(self, tool, np, args, json_path):
        return ["srun", "-v", f"--jobid={self.job_id}", f"--mpi={self.mpi}", "-n", str(np), "-N", "1",
                "--time=3", pfsb.tool_path(tool)] + list(args) + ["--json", json_path]

    def srun(self, tool, np, args, json_path):
        proc = subprocess.run(self.srun_cmd(tool, np, args, json_path), capture_output=True, text=True,
                              timeout=120, env=self.slurm.env())
        return pfsb.Run(proc, json_path)

    def step_of(self, srun_stderr):
        """(job id, step id, host) as srun -v reports the launch."""
        m = STEP_RE.search(srun_stderr)
        self.assertIsNotNone(m, srun_stderr)
        return m.groups()

    def check_environment(self, doc, srun_stderr, np):
        job, step, host = self.step_of(srun_stderr)
        self.assertEqual(job, self.job_id)
        show = subprocess.run(["scontrol", "show", "job", job], capture_output=True, text=True,
                              env=self.slurm.env()).stdout
        nodelist = re.search(r"\bNodeList=(\S+)", show).group(1)
        env = doc["environment"]
        self.assertEqual(env["launcher"], {"kind": "srun", "slurm_job_id": job, "slurm_step_id": step,
                                           "slurm_nodelist": nodelist})
        self.assertEqual(nodelist, self.slurm.node)
        self.assertEqual(host, self.slurm.node)
        self.assertEqual(env["ranks"], np)
        self.assertEqual(env["nodes"], 1)
        self.assertEqual(env["ranks_per_node"], np)
        self.assertEqual(env["hosts"], [socket.gethostname()])
        return int(step)

    def test_ior_like_and_mdtest_like_steps(self):
        """Two steps of one job: step ids differ and each document has its own."""
        steps = []
        with pfsb.temp_dir(pfsb.DISK_TMP) as d:
            doc_path = os.path.join(d, "ior.json")
            r = self.srun("ior_like", 2, ["-w", "-r", "-W", "-b", "256k", "-t", "64k", "-s", "2",
                                          "-o", os.path.join(d, "f")], doc_path)
            self.assertEqual(r.returncode, 0, r)
            pfsb.assert_valid(self, r.doc)
            self.assertEqual(r.doc["status"], "ok")
            self.assertEqual([p["name"] for p in r.doc["phases"]], ["write", "read"])
            for p in r.doc["phases"]:
                self.assertEqual(p["bytes"], 2 * 256 * KiB * 2)
            self.assertEqual(r.doc["verification"]["status"], "passed")
            steps.append(self.check_environment(r.doc, r.stderr, 2))

            doc_path = os.path.join(d, "md.json")
            root = os.path.join(d, "md")
            r = self.srun("mdtest_like", 2, ["-n", "10", "-d", root], doc_path)
            self.assertEqual(r.returncode, 0, r)
            pfsb.assert_valid(self, r.doc)
            self.assertEqual(r.doc["status"], "ok")
            for p in r.doc["phases"]:
                self.assertEqual(p["ops"], 1 if p["name"].startswith("tree") else 2 * 10, p["name"])
            steps.append(self.check_environment(r.doc, r.stderr, 2))
        self.assertEqual(steps[1], steps[0] + 1, "consecutive steps of one job")

    def test_ior_mpiio_and_hdf5_lines_under_srun(self):
        """Issue 8's IOR lines, scaled down, as srun steps: collective MPI-IO
        and collective HDF5 with verification run unchanged under Slurm."""
        lines = [["-a", "MPIIO", "-c", "-w", "-r", "-k", "-t", "64k", "-b", "256k", "-i", "2"],
                 ["-a", "HDF5", "-c", "--hdf5.collectiveMetadata", "-w", "-r", "-W", "-R", "-t", "32k", "-b", "128k",
                  "-s", "4"]]
        with pfsb.temp_dir(pfsb.DISK_TMP) as d:
            for k, line in enumerate(lines):
                with self.subTest(line=" ".join(line)):
                    r = self.srun("ior_like", 2, line + ["-o", os.path.join(d, f"f{k}")], os.path.join(d, f"{k}.json"))
                    self.assertEqual(r.returncode, 0, r)
                    pfsb.assert_valid(self, r.doc)
                    self.assertEqual(r.doc["status"], "ok")
                    self.assertTrue(all(p["details"]["collective"] for p in r.doc["phases"]))
                    self.assertEqual(r.doc["verification"]["status"], "passed" if "-W" in line else "not_run")
                    self.check_environment(r.doc, r.stderr, 2)

    def test_mpirun_inside_a_job_is_mpirun(self):
        """mpirun in an allocation starts its daemons with srun (forced here on
        one node with ras_base_launch_orted_on_hn): the ranks inherit that
        step's SLURM_STEP_ID and SLURM_PROCID, yet mpirun placed them."""
        with pfsb.temp_dir(pfsb.SHM) as d:
            doc_path = os.path.join(d, "r.json")
            cmd = (["salloc", "-n", "2", "-N", "1", "-t", "3"] + pfsb.MPIEXEC +
                   ["--mca", "ras_base_launch_orted_on_hn", "1", "-n", "2", pfsb.tool_path("ior_like"),
                    "-w", "-b", "256k", "-t", "64k", "-o", os.path.join(d, "f"), "--quiet", "--json", doc_path])
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120, env=self.slurm.env())
            self.assertEqual(proc.returncode, 0, proc.stderr)
            job = re.search(r"Granted job allocation (\d+)", proc.stderr).group(1)
            with open(doc_path) as f:
                doc = json.load(f)
            pfsb.assert_valid(self, doc)
            launcher = doc["environment"]["launcher"]
            self.assertEqual(launcher["kind"], "mpirun")
            self.assertEqual(launcher["slurm_job_id"], job)
            self.assertIsNotNone(launcher["slurm_step_id"], "the ranks ran in the daemons' step")
            self.assertEqual(launcher["slurm_nodelist"], self.slurm.node)
            self.assertEqual(doc["environment"]["ranks"], 2)

    def start_long_run(self, d):
        doc_path = os.path.join(d, "r.json")
        cmd = self.srun_cmd("ior_like", 2, ["-w", "-r", "-i", "100000", "-b", "4m", "-t", "256k", "-o",
                                            os.path.join(d, "f"), "--quiet"], doc_path)
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                start_new_session=True, env=self.slurm.env())
        if not pfsb.wait_for(lambda: len(pfsb.checkpoint_phases(doc_path)) >= 2, 60):
            os.killpg(proc.pid, signal.SIGKILL)
            self.fail(f"no checkpoint document appeared: {proc.communicate()}")
        return proc, doc_path

    def finish(self, proc):
        try:
            return proc.communicate(timeout=60)
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)

    def check_interrupted(self, proc, doc_path, d, signame):
        out, err = self.finish(proc)
        self.assertEqual(proc.returncode, 4, err)
        with open(doc_path) as f:
            doc = json.load(f)
        pfsb.assert_valid(self, doc)
        self.assertEqual(doc["status"], "interrupted")
        self.assertGreaterEqual(len(doc["phases"]), 2)
        self.assertTrue(any(signame in e["message"] for e in doc["errors"]), doc["errors"])
        self.assertFalse(any(w.startswith("checkpoint") for w in doc["warnings"]), "final document, not a checkpoint")
        self.assertEqual(doc["environment"]["launcher"]["kind"], "srun")
        self.assertEqual(os.listdir(d), ["r.json"], "the test file is removed (no -k)")

    def test_scancel_signal_term_keeps_finished_phases(self):
        """What Slurm does at the time limit (and sbatch --signal, scancel
        --signal=TERM): SIGTERM to every task of the step. Exit 4."""
        with pfsb.temp_dir(pfsb.SHM) as d:
            proc, doc_path = self.start_long_run(d)
            with open(doc_path) as f:
                step = json.load(f)["environment"]["launcher"]["slurm_step_id"]
            r = subprocess.run(["scancel", "--signal=TERM", f"{self.job_id}.{step}"], capture_output=True,
                               text=True, env=self.slurm.env())
            self.assertEqual(r.returncode, 0, r.stderr)
            self.check_interrupted(proc, doc_path, d, "SIGTERM")

    def check_killed_run_left_its_phases(self, doc_path):
        with open(doc_path) as f:
            doc = json.load(f)
        pfsb.assert_valid(self, doc)
        self.assertEqual(doc["status"], "interrupted")
        self.assertGreaterEqual(len(doc["phases"]), 2)
        return doc

    def test_double_ctrl_c_to_srun(self):
        """Two SIGINTs within a second: srun (22.05) sends SIGINT to the tasks
        and cancels the step at once, so a task may be killed before its final
        document: either way the document on disk is valid, "interrupted", and
        holds the finished phases. (One SIGINT only prints the tasks' state.)"""
        with pfsb.temp_dir(pfsb.SHM) as d:
            proc, doc_path = self.start_long_run(d)
            os.kill(proc.pid, signal.SIGINT)
            time.sleep(0.3)
            os.kill(proc.pid, signal.SIGINT)
            out, err = self.finish(proc)
            self.assertIn("sending Ctrl-C", err)
            self.assertIn(proc.returncode, (4, 128 + signal.SIGKILL), err)
            doc = self.check_killed_run_left_its_phases(doc_path)
            if proc.returncode == 4:  # the tasks finished before the kill: the final document
                self.assertTrue(any("SIGINT" in e["message"] for e in doc["errors"]), doc["errors"])

    def test_sigterm_to_srun_leaves_the_checkpoint(self):
        """srun turns a SIGTERM of its own into SIGKILL of the tasks ("forcing
        job termination"): nothing can run in the tool, and what is left is the
        checkpoint written after the last finished phase: valid, "interrupted",
        the phases kept."""
        with pfsb.temp_dir(pfsb.SHM) as d:
            proc, doc_path = self.start_long_run(d)
            os.kill(proc.pid, signal.SIGTERM)
            out, err = self.finish(proc)
            self.assertEqual(proc.returncode, 128 + signal.SIGKILL, err)
            self.assertIn("forcing job termination", err)
            doc = self.check_killed_run_left_its_phases(doc_path)
            self.assertTrue(any(w.startswith("checkpoint") for w in doc["warnings"]), doc["warnings"])

    def test_sbatch_template_runs_a_suite(self):
        """scripts/slurm/pfsbench.sbatch as users submit it: the suite runs its
        tools as srun --mpi=pmix steps of the batch job, and the job's results
        directory holds the documents and the manifest with the job id."""
        if self.mpi != "pmix":
            self.skipTest("the sbatch template launches with srun --mpi=pmix; this Slurm has no pmix plugin")
        sbatch = os.path.join(pfsb.ROOT, "scripts", "slurm", "pfsbench.sbatch")
        with pfsb.temp_dir(pfsb.DISK_TMP) as d:
            suite = os.path.join(d, "tiny.toml")
            with open(suite, "w") as f:
                f.write('[[run]]\nname = "ior"\ntool = "ior_like"\n'
                        'args = ["-b", "256k", "-t", "64k", "-i", "2", "-o", "{dir}/f"]\n'
                        '[[run]]\nname = "md"\ntool = "mdtest_like"\nargs = ["-n", "20", "-d", "{dir}/md"]\n')
            target = os.path.join(d, "target")
            os.mkdir(target)
            env = dict(self.slurm.env(), PFSBENCH_HOME=pfsb.ROOT, PFSBENCH_RESULTS=os.path.join(d, "runs"))
            # This class holds an allocation on the only node, so the template's
            # --exclusive would wait for it forever (sbatch's oversubscribe option
            # does not override it): a copy without that line is submitted
            # (test_slurm_multinode.py submits the template as it is).
            with open(sbatch) as f:
                text = f.read()
            self.assertIn("#SBATCH --exclusive\n", text)
            sbatch = os.path.join(d, "pfsbench.sbatch")
            with open(sbatch, "w") as f:
                f.write(text.replace("#SBATCH --exclusive\n", ""))
            r = subprocess.run(["sbatch", "--wait", "--nodes=1", "--ntasks-per-node=2", "--time=5",
                                f"--output={d}/job-%j.out", sbatch, suite, target, "--tag", "flag=on"],
                               capture_output=True, text=True, timeout=240, env=env, cwd=d)
            m = re.search(r"Submitted batch job (\d+)", r.stdout)
            self.assertIsNotNone(m, r)
            job = m.group(1)
            with open(os.path.join(d, f"job-{job}.out")) as f:
                log = f.read()
            self.assertEqual(r.returncode, 0, log)
            out = os.path.join(d, "runs", f"slurm-{job}-tiny")
            with open(os.path.join(out, "manifest.json")) as f:
                manifest = json.load(f)
            self.assertEqual((manifest["slurm_job_id"], manifest["launcher"], manifest["np"], manifest["status"]),
                             (job, "srun", 2, "ok"))
            self.assertEqual([x["status"] for x in manifest["runs"]], ["ok", "ok"])
            for rec in manifest["runs"]:
                self.assertEqual(rec["command_line"][:4], ["srun", "--mpi=pmix", "-n", "2"])
                with open(os.path.join(out, rec["document"])) as f:
                    doc = json.load(f)
                pfsb.assert_valid(self, doc)
                self.assertEqual(doc["environment"]["launcher"]["kind"], "srun")
                self.assertEqual(doc["environment"]["launcher"]["slurm_job_id"], job)
                self.assertEqual(doc["environment"]["ranks"], 2)
                self.assertEqual(doc["tags"], {"suite": "tiny", "flag": "on"})
            show = subprocess.run(["scontrol", "show", "job", job], capture_output=True, text=True,
                                  env=self.slurm.env()).stdout
            if show:  # the record may be gone already (MinJobAge)
                self.assertIn("NumTasks=2", show)


if __name__ == "__main__":
    unittest.main()
