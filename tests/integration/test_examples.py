"""Every document in results/examples/ follows the schema and its own
definitions (rates = amount / duration): the examples are what users read
first, so they must stay true as the schema evolves."""
import glob
import json
import os
import unittest

import pfsb

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
