"""tools.conf is the one copy of the tool list and of the mpirun flags.

Guards: a consumer that drifts from it (CMake's tool list and mpiexec
prefix, scripts/common.sh, scripts/pfsbench_results, the schema's tool
enum), and a new hand-written copy of either anywhere in the build files,
scripts or tests (a line naming three tools, or an mpirun flag), which is
how the list came to be written in five places."""
import glob
import json
import os
import re
import subprocess
import unittest

import pfsb
from pfsbench_results import project

CONF = os.path.join(pfsb.ROOT, "tools.conf")


def common_sh(function):
    r = subprocess.run(["bash", "-c", f'source "{pfsb.ROOT}/scripts/common.sh"; {function}'],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    return r.stdout.split()


def source_files():
    """Build files, scripts and tests: where a copy would be written."""
    pats = ["CMakeLists.txt", "cmake/*.cmake", "*/CMakeLists.txt", "*/*/CMakeLists.txt", "*/*/*/CMakeLists.txt",
            "scripts/*", "scripts/*/*", "tests/integration/*.py", "bench/*.py"]
    seen = set()
    for pat in pats:
        for p in glob.glob(os.path.join(pfsb.ROOT, pat)):
            if os.path.isfile(p) and not p.startswith(os.path.join(pfsb.ROOT, "build")) and p not in seen:
                seen.add(p)
                yield p


class ToolList(unittest.TestCase):
    def test_every_consumer_reads_tools_conf(self):
        tools = project.tools()
        self.assertEqual(len(tools), len(set(tools)))
        self.assertGreaterEqual(len(tools), 4)
        self.assertEqual(common_sh("pfsbench_conf tools"), tools)
        with open(pfsb.SCHEMA) as f:
            schema = json.load(f)
        self.assertEqual(schema["properties"]["tool"]["enum"], tools, "the schema's tool enum is not tools.conf's list")
        for tool in tools:
            with self.subTest(tool=tool):
                self.assertTrue(os.path.exists(os.path.join(pfsb.ROOT, tool, "CMakeLists.txt")))
                self.assertTrue(os.access(pfsb.tool_path(tool), os.X_OK), f"{tool} was not built: CMake missed it")

    def test_cmake_default_tool_list_is_tools_conf(self):
        # A fresh configure (no cache) of a tiny project that includes the
        # helpers: PFSBENCH_ALL_TOOLS is what CMakeLists.txt's default uses.
        with pfsb.temp_dir(pfsb.DISK_TMP) as d:
            with open(os.path.join(d, "CMakeLists.txt"), "w") as f:
                f.write("cmake_minimum_required(VERSION 3.20)\nproject(p NONE)\n"
                        f"include({pfsb.ROOT}/cmake/PfsbenchHelpers.cmake)\n"
                        'message(STATUS "TOOLS=${PFSBENCH_ALL_TOOLS}")\n'
                        "pfsbench_conf(mpirun_flags f)\n"
                        'message(STATUS "FLAGS=${f}")\n')
            r = subprocess.run(["cmake", "-S", d, "-B", os.path.join(d, "b")], capture_output=True, text=True,
                               timeout=120)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertIn("TOOLS=" + ";".join(project.tools()) + "\n", r.stdout)
            self.assertIn("FLAGS=" + ";".join(project.read_conf()["mpirun_flags"]) + "\n", r.stdout)

    def test_mpirun_flags_agree(self):
        flags = project.mpirun_flags()
        self.assertIn("--oversubscribe", flags)
        self.assertEqual(common_sh("mpirun_flags"), flags, "scripts/common.sh")
        self.assertEqual(pfsb.MPIEXEC[1:], flags, "CMake's pfsbench_mpiexec_prefix (PFSBENCH_MPIEXEC)")
        import bench_common
        self.assertEqual(bench_common.mpirun(3), ["mpirun", *flags, "-np", "3"])

    def test_no_other_copy(self):
        tools = project.tools()
        flags = {f for f in project.read_conf()["mpirun_flags"] + project.read_conf()["mpirun_root_flags"]
                 if f.startswith("--")}
        copies = []
        for path in source_files():
            if os.path.abspath(path) == os.path.abspath(__file__):
                continue
            try:
                with open(path, errors="replace") as f:
                    lines = f.readlines()
            except OSError:
                continue
            for number, line in enumerate(lines, 1):
                named = sum(1 for t in tools if re.search(rf"\b{t}\b", line))
                if named >= 3 or any(flag in line for flag in flags):
                    copies.append(f"{os.path.relpath(path, pfsb.ROOT)}:{number}: {line.strip()}")
        self.assertEqual(copies, [], "read tools.conf (scripts/pfsbench_results/project.py, pfsbench_conf in "
                                     "common.sh and CMake) instead of writing the tools or mpirun flags again")


if __name__ == "__main__":
    unittest.main()
