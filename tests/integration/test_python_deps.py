"""A missing Python package is one line naming it and how to install it
(Debian package and pip name), exit 2 (deps.EXIT_MISSING), never a
traceback. The package is hidden by a directory first on PYTHONPATH that
holds a stand-in whose __init__ raises ImportError, as a missing or broken
install does. Also: a script that does not need a package runs without it
(matplotlib only for report, scipy only for the significance tests)."""
import io
import os
import subprocess
import sys
import tempfile
import unittest
from contextlib import redirect_stderr

import pfsb

sys.path.insert(0, os.path.join(pfsb.ROOT, "scripts"))
from pfsbench_results import deps  # noqa: E402

PYTHON = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable


class MissingPackages(unittest.TestCase):
    def setUp(self):
        self.fake = tempfile.mkdtemp(prefix="pfsbench-fakepkgs-")
        self.addCleanup(lambda: subprocess.run(["rm", "-rf", self.fake]))

    def hide(self, *names):
        for name in names:
            os.makedirs(os.path.join(self.fake, name), exist_ok=True)
            with open(os.path.join(self.fake, name, "__init__.py"), "w") as f:
                f.write(f"raise ImportError({f'No module named {name!r} (hidden by the test)'!r})\n")

    def run_script(self, script, *args):
        env = dict(os.environ, PYTHONPATH=self.fake, PYTHONDONTWRITEBYTECODE="1")
        return subprocess.run([PYTHON, os.path.join(pfsb.ROOT, "scripts", script), *args],
                              capture_output=True, text=True, env=env, timeout=120)

    def assert_names(self, r, script, name):
        debian, pip, _ = deps.PACKAGES[name]
        self.assertEqual(r.returncode, deps.EXIT_MISSING, r.stderr)
        self.assertEqual(deps.EXIT_MISSING, 2)
        self.assertNotIn("Traceback", r.stderr)
        self.assertIn(f"scripts/{script}: error: the Python package '{name}' is missing", r.stderr)
        self.assertIn(f"apt-get install {debian}", r.stderr)
        self.assertIn(f"pip install --user {pip}", r.stderr)
        self.assertEqual(r.stdout, "")

    def test_each_script_names_what_it_misses(self):
        cases = [("compare", "scipy"), ("compare", "numpy"), ("report", "matplotlib"), ("report", "scipy"),
                 ("accept", "numpy"), ("suite", "jsonschema"), ("io500", "jsonschema"),
                 ("bench-vs-io500", "jsonschema")]
        for script, name in cases:
            with self.subTest(script=script, package=name):
                self.hide(name)
                self.assert_names(self.run_script(script, "--help"), script, name)
                subprocess.run(["rm", "-rf", os.path.join(self.fake, name)], check=True)

    def test_validate_result_names_jsonschema(self):
        self.hide("jsonschema")
        doc = os.path.join(pfsb.ROOT, "results", "examples",
                           sorted(os.listdir(os.path.join(pfsb.ROOT, "results", "examples")))[0])
        self.assert_names(self.run_script("validate_result.py", doc), "validate_result.py", "jsonschema")

    def test_every_missing_package_is_listed(self):
        self.hide("numpy", "scipy", "matplotlib")
        r = self.run_script("report", "--help")
        self.assertEqual(r.returncode, 2, r.stderr)
        for name in ("numpy", "scipy", "matplotlib"):
            self.assertIn(f"package '{name}' is missing", r.stderr)

    def test_scripts_run_without_what_they_do_not_need(self):
        # accept needs no scipy or matplotlib, suite and io500 none of numpy, scipy, matplotlib
        self.hide("scipy", "matplotlib")
        r = self.run_script("accept", "--help")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.hide("numpy")
        for script in ("suite", "io500"):
            with self.subTest(script=script):
                r = self.run_script(script, "--help")
                self.assertEqual(r.returncode, 0, r.stderr)
                self.assertIn("usage", r.stdout.lower())

    def test_lazy_require_in_the_statistics(self):
        """A library caller (not a script) of the significance tests gets
        MissingPackage, a UsageError naming scipy, at the point of use."""
        self.hide("scipy")
        code = ("import sys; sys.path.insert(0, sys.argv[1])\n"
                "from pfsbench_results import stats, deps, UsageError\n"
                "print(stats.median([1, 2, 3]))\n"
                "try:\n    stats.mann_whitney_p([1.0, 2.0], [3.0, 4.0])\n"
                "except deps.MissingPackage as e:\n    assert isinstance(e, UsageError); print('MISSING', e)\n")
        env = dict(os.environ, PYTHONPATH=self.fake, PYTHONDONTWRITEBYTECODE="1")
        r = subprocess.run([PYTHON, "-c", code, os.path.join(pfsb.ROOT, "scripts")], capture_output=True,
                           text=True, env=env, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("2\n", r.stdout)
        self.assertIn("MISSING the Python package 'scipy' is missing", r.stdout)
        self.assertIn("apt-get install python3-scipy", r.stdout)

    def test_old_python_is_named(self):
        saved = deps.MIN_PYTHON
        deps.MIN_PYTHON = (99, 0)
        self.addCleanup(setattr, deps, "MIN_PYTHON", saved)
        err = io.StringIO()
        with redirect_stderr(err), self.assertRaises(SystemExit) as cm:
            deps.check("scripts/suite")
        self.assertEqual(cm.exception.code, 2)
        self.assertIn("scripts/suite: error: Python 99.0 or newer is needed (tomllib)", err.getvalue())

    def test_nothing_missing_returns(self):
        self.assertIsNone(deps.check("scripts/compare", "numpy", "scipy", "matplotlib", "jsonschema"))
        self.assertEqual(deps.require("json").__name__, "json")


if __name__ == "__main__":
    unittest.main()
