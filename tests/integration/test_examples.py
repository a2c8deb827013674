"""Every document in results/examples/ follows the schema and its own
definitions (rates = amount / duration): the examples are what users read
first, so they must stay true as the schema evolves."""
import glob
import json
import os
import unittest

import pfsb
from pfsbench_results import documents

EXAMPLES = sorted(glob.glob(os.path.join(pfsb.ROOT, "results", "examples", "*.json")))


class Examples(unittest.TestCase):
    def test_there_are_examples(self):
        self.assertTrue(EXAMPLES, "results/examples/ is empty")

    def test_examples_follow_the_schema_and_the_definitions(self):
        for path in EXAMPLES:
            with self.subTest(example=os.path.basename(path)):
                with open(path) as f:
                    doc = json.load(f)
                pfsb.assert_valid(self, doc)
                for p in doc["phases"]:
                    if p["duration_s"] > 0 and p["bandwidth_bytes_per_s"] is not None:
                        self.assertAlmostEqual(p["bandwidth_bytes_per_s"] * p["duration_s"], p["bytes"],
                                               delta=1e-6 * max(1, p["bytes"]))
                    if p["duration_s"] > 0 and p["ops_per_s"] is not None:
                        self.assertAlmostEqual(p["ops_per_s"] * p["duration_s"], p["ops"], delta=1e-6 * max(1, p["ops"]))

    def test_documents_of_earlier_builds_still_validate(self):
        """schema_version 1 only grows by optional fields: a document that an
        earlier build wrote (kept as written, under schema_v1_earlier/) must
        still validate, so compare and report read a site's history."""
        earlier = sorted(glob.glob(os.path.join(pfsb.ROOT, "results", "examples", "schema_v1_earlier", "*.json")))
        self.assertTrue(earlier)
        for path in earlier:
            with self.subTest(example=os.path.basename(path)), open(path) as f:
                doc = json.load(f)
            self.assertEqual(doc["schema_version"], 1)
            pfsb.assert_valid(self, doc)

    def test_config_hash_matches_config(self):
        """config_hash is core's FNV-1a 64 of the compact, key-sorted dump of
        the config (core/src/result.cpp), recomputed here for every example:
        a document whose config was edited by hand without it fails."""
        every = sorted(glob.glob(os.path.join(pfsb.ROOT, "results", "examples", "**", "*.json"), recursive=True))
        self.assertGreaterEqual(len(every), len(EXAMPLES) + 1)
        for path in every:
            with self.subTest(example=os.path.relpath(path, pfsb.ROOT)), open(path) as f:
                doc = json.load(f)
                self.assertEqual(doc["config_hash"], documents.config_hash(doc["config"]))

    def test_config_hash_reproduces_core(self):
        """Guards the reimplementation itself against values core printed
        (results/examples/ior_like_559b2cf.json was written by a build), and
        a changed config changes it."""
        with open(os.path.join(pfsb.ROOT, "results", "examples", "schema_v1_earlier", "ior_like_559b2cf.json")) as f:
            doc = json.load(f)
        self.assertEqual(documents.config_hash(doc["config"]), "fnv1a64:e6db93ed3f366f64")
        doc["config"]["block_size_bytes"] += 1
        self.assertNotEqual(documents.config_hash(doc["config"]), "fnv1a64:e6db93ed3f366f64")

    def test_migrated_documents_say_so(self):
        """A document under schema_v1_earlier/ is an earlier build's output;
        one that shares its run_id with another was edited by hand and must
        carry tags.migrated and a warning saying so."""
        earlier = {}
        for path in sorted(glob.glob(os.path.join(pfsb.ROOT, "results", "examples", "schema_v1_earlier", "*.json"))):
            with open(path) as f:
                earlier[os.path.basename(path)] = json.load(f)
        by_run = {}
        for name, doc in earlier.items():
            by_run.setdefault(doc["run_id"], []).append(name)
        for run_id, names in by_run.items():
            written = [n for n in names if "migrated" not in earlier[n]["tags"]]
            with self.subTest(run_id=run_id):
                self.assertLessEqual(len(written), 1, f"{names}: one run, several documents not marked migrated")
        for name, doc in earlier.items():
            if "migrated" in doc["tags"]:
                with self.subTest(example=name):
                    self.assertIn("migrated", name)
                    self.assertTrue(any(w.startswith("migrated:") for w in doc["warnings"]), doc["warnings"])

    def test_schema_rejects_a_broken_document(self):
        # Guards the validator itself: a document with NaN-like junk must fail.
        with open(EXAMPLES[0]) as f:
            doc = json.load(f)
        doc["phases"][0]["bandwidth_bytes_per_s"] = "fast"
        del doc["run_id"]
        errs = pfsb.validate_result.errors_of(doc, pfsb.validator())
        self.assertTrue(any("run_id" in e for e in errs), errs)
        self.assertTrue(any("bandwidth_bytes_per_s" in e for e in errs), errs)


if __name__ == "__main__":
    unittest.main()
