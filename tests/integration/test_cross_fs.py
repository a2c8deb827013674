"""The quick suite across filesystems, then one report comparing them.

Runs scripts/suite quick on loop-mounted ext4, xfs and btrfs images and on
a tmpfs (each its own mount, 640 MiB), each labelled by its filesystem,
and builds one scripts/report page of all of them. A filesystem that
cannot be made or mounted here (not root, no mkfs, no loop device, no
kernel module) is skipped with the reason; the test skips when none can.

Guards: a suite or tool that only works on the developer's filesystem
(O_DIRECT alignment, fallocate, statx), documents whose filesystem type is
not the one tested, and a report that loses a series."""
import json
import os
import re
import subprocess
import sys
import unittest

import pfsb

SUITE = os.path.join(pfsb.ROOT, "scripts", "suite")
REPORT = os.path.join(pfsb.ROOT, "scripts", "report")
FILESYSTEMS = ("ext4", "xfs", "btrfs", "tmpfs")


class CrossFilesystem(unittest.TestCase):
    def test_quick_suite_on_each_filesystem_and_one_report(self):
        done, skipped = [], {}
        with pfsb.temp_dir(pfsb.DISK_TMP) as results:
            for fs in FILESYSTEMS:
                try:
                    with pfsb.small_mount(self, fs, size="640m") as mnt:
                        out = os.path.join(results, fs)
                        before = sorted(os.listdir(mnt))  # lost+found on ext4
                        r = subprocess.run([sys.executable, SUITE, "quick", "--target", mnt, "--out", out,
                                            "--label", fs], capture_output=True, text=True, timeout=600)
                        with self.subTest(fs=fs):
                            self.assertEqual(r.returncode, 0, r.stderr[-3000:])
                            with open(os.path.join(out, "manifest.json")) as f:
                                m = json.load(f)
                            self.assertEqual([x["status"] for x in m["runs"]], ["ok"] * 4)
                            for rec in m["runs"]:
                                with open(os.path.join(out, rec["document"])) as f:
                                    doc = json.load(f)
                                pfsb.assert_valid(self, doc)
                                self.assertEqual(doc["environment"]["target"]["fs_type"], fs)
                                self.assertEqual(doc["label"], fs)
                            self.assertEqual(sorted(os.listdir(mnt)), before, "the suite leaves the target as it found it")
                        done.append(out)
                except unittest.SkipTest as e:
                    skipped[fs] = str(e)
            if skipped:
                print(f"\ntest_cross_fs: skipped {skipped}", file=sys.stderr)
            if not done:
                self.skipTest(f"no filesystem could be mounted: {skipped}")
            html = os.path.join(results, "report.html")
            r = subprocess.run([sys.executable, REPORT, *done, "-o", html], capture_output=True, text=True,
                               timeout=300)
            self.assertEqual(r.returncode, 0, r.stderr)
            with open(html) as f:
                page = f.read()
            for out in done:
                fs = os.path.basename(out)
                self.assertIn(f"<td>{fs}</td>", page)
            for out in done[1:]:
                self.assertIn(f"{os.path.basename(out)} against {os.path.basename(done[0])}", page)
            self.assertGreaterEqual(len(re.findall(r"<img ", page)), 8)


if __name__ == "__main__":
    unittest.main()
