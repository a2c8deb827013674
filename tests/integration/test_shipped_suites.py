"""Every shipped suite (scripts/suites/*.toml) runs, scaled down: its sizes
shrunk to a few MiB, its item counts to a few hundred and its stonewalls to
1 s, the flags and layout otherwise as shipped, through scripts/suite at 2
ranks on the disk. A suite that cannot run (a missing directory, a flag a
tool refuses, a bad combination) fails here; every run of it must end "ok"
with a valid document.

Guards: the io500-like suite's ior_easy wrote to {dir}/ior_easy/file, whose
directory nothing made, and failed on every run while no test ran it."""
import glob
import json
import os
import subprocess
import sys
import tomllib
import unittest

import pfsb
from pfsbench_results import suites

SUITE = os.path.join(pfsb.ROOT, "scripts", "suite")
SUITE_DIR = os.path.join(pfsb.ROOT, "scripts", "suites")
KIB = 1024
MIB = 1024 * KIB


def size_of(text):
    return suites.parse_size(text, "test")


def scale_args(tool, args):
    """The args with sizes, counts and stonewalls made tiny; everything else as given."""
    out = list(args)

    def value_of(flag, default=None):
        return out[out.index(flag) + 1] if flag in out else default

    def put(flag, value):
        if flag in out:
            out[out.index(flag) + 1] = str(value)

    if tool == "ior_like":
        t = min(size_of(value_of("-t", "256k")), 1 * MIB)
        put("-t", t)
        b = size_of(value_of("-b", "1m"))
        put("-b", max(t, min(b, 4 * t)) // t * t)
        put("-s", min(int(value_of("-s", "1")), 8))
        put("-D", 1)
    elif tool == "mdtest_like":
        put("-n", min(int(value_of("-n", "100")), 200))
        put("-W", 1)
    elif tool == "dio_batch":
        put("--size", "4m")
    elif tool == "mmap_read":
        put("--size", "8m")
    return out


def scaled_suite_text(path):
    with open(path, "rb") as f:
        data = tomllib.load(f)
    lines = []
    if "description" in data:
        lines.append(f"description = {json.dumps(data['description'])}")
    for run in data["run"]:
        lines.append("[[run]]")
        for key, value in run.items():
            if key == "args":
                value = scale_args(run["tool"], value)
            elif key in ("space", "space_per_rank"):
                value = "0"
            lines.append(f"{key} = {json.dumps(value)}")
    return "\n".join(lines) + "\n"


class ShippedSuites(unittest.TestCase):
    def test_scale_args_shrinks_and_keeps_t_dividing_b(self):
        self.assertEqual(scale_args("ior_like", ["-t", "2m", "-b", "4g", "-D", "300", "-o", "x"]),
                         ["-t", str(MIB), "-b", str(4 * MIB), "-D", "1", "-o", "x"])
        self.assertEqual(scale_args("ior_like", ["-t", "47008", "-b", "47008", "-s", "20000"]),
                         ["-t", "47008", "-b", "47008", "-s", "8"])
        self.assertEqual(scale_args("mdtest_like", ["-n", "100000", "-W", "300"]), ["-n", "200", "-W", "1"])

    def test_every_shipped_suite_runs_scaled_down(self):
        paths = sorted(glob.glob(os.path.join(SUITE_DIR, "*.toml")))
        self.assertGreaterEqual(len(paths), 3, paths)
        for path in paths:
            name = os.path.splitext(os.path.basename(path))[0]
            with self.subTest(suite=name), pfsb.temp_dir(pfsb.DISK_TMP) as d:
                scaled = os.path.join(d, f"{name}.toml")
                with open(scaled, "w") as f:
                    f.write(scaled_suite_text(path))
                target = os.path.join(d, "target")
                os.mkdir(target)
                out = os.path.join(d, "out")
                r = subprocess.run([sys.executable, SUITE, scaled, "--target", target, "--np", "2", "--out", out],
                                   capture_output=True, text=True, timeout=600)
                self.assertTrue(os.path.exists(os.path.join(out, "manifest.json")),
                                f"{name}: refused before any run: {r.stderr[-3000:]}")
                with open(os.path.join(out, "manifest.json")) as f:
                    manifest = json.load(f)
                failed = {rec["name"]: rec["status"] for rec in manifest["runs"] if rec["status"] != "ok"}
                self.assertEqual(failed, {}, f"{name}: {r.stderr[-3000:]}")
                self.assertEqual(r.returncode, 0, r.stderr[-3000:])
                with open(path, "rb") as f:
                    shipped = tomllib.load(f)
                self.assertEqual(len(manifest["runs"]), len(shipped["run"]))
                for rec in manifest["runs"]:
                    with open(os.path.join(out, rec["document"])) as f:
                        doc = json.load(f)
                    pfsb.assert_valid(self, doc)
                    self.assertEqual(doc["status"], "ok", rec["name"])
                    self.assertGreater(len(doc["phases"]), 0, rec["name"])


if __name__ == "__main__":
    unittest.main()
