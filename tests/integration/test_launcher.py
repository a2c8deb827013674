"""scripts/suite on any site (issue 18): the launcher's options pass
through (--launcher-args, the $PFSBENCH_LAUNCHER template), and a launcher
that cannot work here is refused with exit 2 before any run.

The launchers here are stubs on PATH: each records its argv (one JSON line)
and then runs the tool command it was given under this machine's mpirun,
so the suite gets real documents. What reaches the launcher is what the
stub recorded, not what the driver says it did."""
import json
import os
import stat
import subprocess
import sys
import unittest

import pfsb
from pfsbench_results import project

SUITE = os.path.join(pfsb.ROOT, "scripts", "suite")

ONE_RUN = '''
[[run]]
name = "ior"
tool = "ior_like"
args = ["-b", "128k", "-t", "64k", "-o", "{dir}/f"]
'''

# Records argv, then runs "mpirun <flags> -n NP TOOL ARGS..." where NP follows
# the first -n and TOOL is the first argument under the tools' directory.
STUB = '''#!{python}
import json, os, sys
with open(os.environ["PFSB_STUB_LOG"], "a") as f:
    f.write(json.dumps([os.path.basename(sys.argv[0])] + sys.argv[1:]) + "\\n")
args = sys.argv[1:]
np = args[args.index("-n") + 1] if "-n" in args else "1"
tool = next(i for i, a in enumerate(args) if a.startswith({bin_dir!r}))
env = {{k: v for k, v in os.environ.items() if not k.startswith("SLURM_")}}  # no Slurm for this mpirun
os.execvpe("mpirun", ["mpirun", *{flags!r}, "-n", np] + args[tool:], env)
'''


class LauncherTest(unittest.TestCase):
    def setUp(self):
        self._dir = pfsb.temp_dir(pfsb.SHM)
        self.dir = self._dir.__enter__()
        self.target = os.path.join(self.dir, "target")
        os.mkdir(self.target)
        self.bin = os.path.join(self.dir, "bin")
        os.mkdir(self.bin)
        self.log = os.path.join(self.dir, "argv.log")
        self.suite = os.path.join(self.dir, "one.toml")
        with open(self.suite, "w") as f:
            f.write(ONE_RUN)

    def tearDown(self):
        self._dir.__exit__(None, None, None)

    def stub(self, name, text=None):
        path = os.path.join(self.bin, name)
        with open(path, "w") as f:
            f.write(text or STUB.format(python=sys.executable, bin_dir=pfsb.BIN_DIR, flags=project.mpirun_flags()))
        os.chmod(path, os.stat(path).st_mode | stat.S_IXUSR)
        return path

    def env(self, **extra):
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("SLURM_", "PFSBENCH_LAUNCHER"))}
        env.update(PATH=self.bin + os.pathsep + env.get("PATH", ""), PFSB_STUB_LOG=self.log,
                   PFSBENCH_BIN_DIR=pfsb.BIN_DIR)
        env.update(extra)
        return env

    def suite_run(self, *args, env):
        out = os.path.join(self.dir, "out")
        r = subprocess.run([sys.executable, SUITE, self.suite, "--target", self.target, "--np", "2", "--out", out,
                            *args], capture_output=True, text=True, timeout=300, env=env)
        return r, out

    def recorded(self):
        with open(self.log) as f:
            return [json.loads(line) for line in f]

    def manifest(self, out):
        with open(os.path.join(out, "manifest.json")) as f:
            return json.load(f)

    def test_srun_launcher_args_replace_the_default_mpi_plugin(self):
        """--launcher-args "--mpi=pmi2 --cpu-bind=cores" inside an allocation:
        srun gets exactly those options, then -n NP, then the tool."""
        self.stub("srun")
        r, out = self.suite_run("--launcher", "srun", "--launcher-args", "--mpi=pmi2 --cpu-bind=cores",
                                env=self.env(SLURM_JOB_ID="42"))
        self.assertEqual(r.returncode, 0, r.stderr)
        (argv,) = self.recorded()
        self.assertEqual(argv[:5], ["srun", "--mpi=pmi2", "--cpu-bind=cores", "-n", "2"])
        self.assertEqual(argv[5], pfsb.tool_path("ior_like"))
        m = self.manifest(out)
        self.assertEqual(m["launch_prefix"], argv[:5])
        self.assertEqual(m["runs"][0]["command_line"][:6], argv[:6])
        self.assertEqual(m["runs"][0]["status"], "ok")

    def test_template_from_the_environment(self):
        """$PFSBENCH_LAUNCHER="mpiexec.stub -n {np} --ppn 2" (Intel MPI's or
        PBS's style) with --launcher-args added after it."""
        self.stub("mpiexec.stub")
        r, out = self.suite_run("--launcher-args", "--env X 1",
                                env=self.env(PFSBENCH_LAUNCHER="mpiexec.stub -n {np} --ppn 2"))
        self.assertEqual(r.returncode, 0, r.stderr)
        (argv,) = self.recorded()
        self.assertEqual(argv[:7], ["mpiexec.stub", "-n", "2", "--ppn", "2", "--env", "X"])
        self.assertEqual(argv[7:9], ["1", pfsb.tool_path("ior_like")])
        m = self.manifest(out)
        self.assertEqual(m["launcher"], "template")
        self.assertEqual([x["status"] for x in m["runs"]], ["ok"])

    def test_launchers_that_cannot_work_are_refused_before_any_run(self):
        """Exit 2, a message that says what to do, no results directory and
        nothing on the target: srun outside an allocation with no Slurm
        controller answering (a stub scontrol that fails), a launcher not on
        PATH, a template without {np}."""
        self.stub("srun")
        self.stub("scontrol", "#!/bin/sh\necho 'slurm_load_ctl_conf error' >&2\nexit 1\n")
        cases = [(["--launcher", "srun"], {}, "outside a Slurm allocation"),
                 (["--launcher", "template"], {"PFSBENCH_LAUNCHER": "no-such-launcher-xyz -n {np}"}, "not on PATH"),
                 ([], {"PFSBENCH_LAUNCHER": "srun --ntasks 2"}, "has no {np}")]
        for args, extra, needle in cases:
            with self.subTest(args=args, env=extra):
                r, out = self.suite_run(*args, env=self.env(**extra))
                self.assertEqual(r.returncode, 2, r.stderr)
                self.assertIn(needle, r.stderr)
                self.assertTrue(r.stderr.startswith("suite: error: "), r.stderr)
                self.assertFalse(os.path.exists(out))
                self.assertEqual(os.listdir(self.target), [])
                self.assertFalse(os.path.exists(self.log), "the launcher never ran")


if __name__ == "__main__":
    unittest.main()
