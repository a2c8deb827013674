"""Linux paths, labels, mount sources and error texts are bytes. Guards:
every tool runs on a path that is not UTF-8, writes a document that follows
the schema (the bytes as {"bytes_b64": ...}, results/schema $defs/bytes),
gets the bytes back exactly, and removes what it created; an error text
with such bytes is still a `failed` document; scripts/report, compare and
validate read the escaped form. Before the escape, nlohmann-json refused to
dump the document (type_error 316): no document, the files left behind."""
import base64
import json
import os
import subprocess
import sys
import unittest

import pfsb

sys.path.insert(0, os.path.join(pfsb.ROOT, "scripts"))
from pfsbench_results import documents  # noqa: E402

BAD_FILE = os.fsdecode(b"f\xff")       # not UTF-8: a lone 0xff byte
BAD_DIR = os.fsdecode(b"d\xfe")
BAD_LABEL = os.fsdecode(b"label \xe9t\xe9")  # Latin-1 bytes
BAD_TAG = os.fsdecode(b"v\xc3")          # a truncated UTF-8 sequence


def run(tool, np, args, json_path):
    """A run whose output may hold bytes that are not UTF-8 (decoded as os.fsdecode does)."""
    proc = subprocess.run(pfsb.mpi_cmd(tool, np, list(args) + ["--json", json_path]), capture_output=True,
                          text=True, errors="surrogateescape", timeout=300)
    return pfsb.Run(proc, json_path)


def raw_bytes(value):
    """The bytes a document field stands for: a string, or the escape object."""
    if isinstance(value, dict):
        return base64.b64decode(value["bytes_b64"], validate=True)
    return value.encode()


class BytePaths(unittest.TestCase):
    def check_doc(self, r, path_value, expect_rc=0):
        self.assertEqual(r.returncode, expect_rc, r)
        self.assertIsNotNone(r.doc, r)
        pfsb.assert_valid(self, r.doc)
        # The path went in as bytes and comes back as the same bytes.
        escaped = [v for v in r.doc["command_line"] if isinstance(v, dict)]
        self.assertTrue(any(raw_bytes(v) == os.fsencode(path_value) for v in escaped), r.doc["command_line"])
        self.assertEqual(raw_bytes(r.doc["label"]), os.fsencode(BAD_LABEL))
        self.assertEqual(raw_bytes(r.doc["tags"]["k"]), os.fsencode(BAD_TAG))
        # A plain UTF-8 string stays a plain string.
        self.assertIsInstance(r.doc["tool"], str)
        self.assertEqual(r.doc["tags"]["plain"], "yes")
        # config_hash is computed over the document's (escaped) config.
        self.assertEqual(r.doc["config_hash"], documents.config_hash(r.doc["config"]))

    def common(self):
        return ["--quiet", "--label", BAD_LABEL, "--tag", "k=" + BAD_TAG, "--tag", "plain=yes"]

    def test_ior_like(self):
        with pfsb.temp_dir(pfsb.SHM) as d:
            f = os.path.join(d, BAD_FILE)
            r = run("ior_like", 2, ["-w", "-r", "-W", "-b", "1m", "-t", "256k", "-i", "2", "-o", f] + self.common(),
                    os.path.join(d, "r.json"))
            self.check_doc(r, f)
            self.assertEqual(raw_bytes(r.doc["config"]["test_file"]), os.fsencode(f))
            self.assertEqual(len(r.doc["phases"]), 4)
            self.assertEqual(os.listdir(d), ["r.json"], "the test file must be removed")

    def test_ior_like_file_per_process(self):
        with pfsb.temp_dir(pfsb.SHM) as d:
            f = os.path.join(d, BAD_FILE)
            r = run("ior_like", 2, ["-w", "-r", "-F", "-b", "1m", "-t", "256k", "-o", f] + self.common(),
                    os.path.join(d, "r.json"))
            self.check_doc(r, f)
            self.assertEqual(os.listdir(d), ["r.json"])

    def test_mdtest_like(self):
        with pfsb.temp_dir(pfsb.SHM) as d:
            root = os.path.join(d, BAD_DIR)
            r = run("mdtest_like", 2, ["-n", "5", "-w", "1k", "-e", "1k", "-X", "-d", root] + self.common(),
                    os.path.join(d, "r.json"))
            self.check_doc(r, root)
            self.assertIn("file_create", [p["name"] for p in r.doc["phases"]])
            self.assertEqual(r.doc["verification"]["status"], "passed")
            self.assertEqual(os.listdir(d), ["r.json"], "mdtest_like removes what it created, -d included")

    def test_dio_batch(self):
        with pfsb.temp_dir(pfsb.DISK_TMP) as d:
            f = os.path.join(d, BAD_FILE)
            r = run("dio_batch", 2, ["--engine", "psync", "--iodepth", "1", "--size", "1m", "--verify", "-o", f]
                    + self.common(), os.path.join(d, "r.json"))
            self.check_doc(r, f)
            self.assertEqual(os.listdir(d), ["r.json"])

    def test_mmap_read(self):
        with pfsb.temp_dir(pfsb.SHM) as d:
            f = os.path.join(d, BAD_FILE)
            r = run("mmap_read", 2, ["-o", f, "--size", "1m"] + self.common(), os.path.join(d, "r.json"))
            self.check_doc(r, f)
            self.assertEqual(os.listdir(d), ["r.json"])

    def test_error_text_with_bytes_is_a_failed_document(self):
        """The error names the missing directory, whose name is not UTF-8."""
        with pfsb.temp_dir(pfsb.SHM) as d:
            f = os.path.join(d, BAD_DIR, "missing", "f")
            r = run("ior_like", 2, ["-w", "-b", "1m", "-t", "1m", "-o", f] + self.common(), os.path.join(d, "r.json"))
            self.check_doc(r, f, expect_rc=1)
            self.assertEqual(r.doc["status"], "failed")
            texts = [raw_bytes(e["message"]) for e in r.doc["errors"]]
            self.assertTrue(any(os.fsencode(BAD_DIR) in t for t in texts), texts)
            self.assertTrue(any(isinstance(e["message"], dict) for e in r.doc["errors"]), r.doc["errors"])

    def test_mount_source_with_bytes(self):
        """A mount whose source (as /proc/self/mountinfo gives it) is not UTF-8."""
        with pfsb.temp_dir(pfsb.DISK_TMP) as d:
            mnt = os.path.join(d, "mnt")
            os.mkdir(mnt)
            if not pfsb.is_root():
                self.skipTest("mounting needs root")
            m = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", os.fsdecode(b"src\xff"), mnt],
                               capture_output=True)
            if m.returncode != 0:
                self.skipTest(f"cannot mount tmpfs: {m.stderr.decode(errors='replace')}")
            try:
                r = run("ior_like", 1, ["-w", "-b", "1m", "-t", "1m", "-o", os.path.join(mnt, "f")] + self.common(),
                        os.path.join(d, "r.json"))
                self.assertEqual(r.returncode, 0, r)
                pfsb.assert_valid(self, r.doc)
                self.assertEqual(raw_bytes(r.doc["environment"]["target"]["mount"]["source"]), b"src\xff")
            finally:
                subprocess.run(["umount", "-l", mnt], capture_output=True)


class ScriptsReadBytes(unittest.TestCase):
    """scripts/ load the escaped form: validate, report and compare."""

    def test_validate_report_compare(self):
        with pfsb.temp_dir(pfsb.SHM) as d:
            runs = []
            for side in ("a", "b"):
                out = os.path.join(d, side)
                os.mkdir(out)
                r = run("ior_like", 1, ["-w", "-b", "1m", "-t", "256k", "-i", "2", "-o", os.path.join(d, BAD_FILE)]
                        + ["--quiet", "--label", BAD_LABEL, "--tag", "k=" + BAD_TAG], os.path.join(out, "ior.json"))
                self.assertEqual(r.returncode, 0, r)
                self.assertIsInstance(r.doc["label"], dict)
                runs.append(out)
            doc = documents.load_document(os.path.join(runs[0], "ior.json"))
            self.assertEqual(os.fsencode(doc.data["label"]), os.fsencode(BAD_LABEL), "decoded losslessly")
            self.assertEqual(documents.printable(doc.data["label"]), "label \\xe9t\\xe9")
            scripts = os.path.join(pfsb.ROOT, "scripts")
            v = subprocess.run([sys.executable, os.path.join(scripts, "validate_result.py"),
                                os.path.join(runs[0], "ior.json")], capture_output=True, text=True)
            self.assertEqual(v.returncode, 0, v.stdout + v.stderr)
            html_out = os.path.join(d, "r.html")
            rep = subprocess.run([sys.executable, os.path.join(scripts, "report"), runs[0], runs[1], "-o", html_out],
                                 capture_output=True, text=True)
            self.assertEqual(rep.returncode, 0, rep.stderr)
            with open(html_out, encoding="utf-8") as f:
                self.assertIn("label \\xe9t\\xe9", f.read())
            cmp = subprocess.run([sys.executable, os.path.join(scripts, "compare"), runs[0], runs[1]],
                                 capture_output=True, text=True)
            self.assertEqual(cmp.returncode, 0, cmp.stderr)
            self.assertIn("ior_like", cmp.stdout)
            cj = subprocess.run([sys.executable, os.path.join(scripts, "compare"), runs[0], runs[1], "--json"],
                                capture_output=True, text=True)
            self.assertEqual(cj.returncode, 0, cj.stderr)
            self.assertTrue(json.loads(cj.stdout)["rows"])


if __name__ == "__main__":
    unittest.main()
