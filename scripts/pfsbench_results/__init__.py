"""pfsbench_results: the Python side of pfsbench, shared by scripts/suite,
scripts/compare, scripts/report, scripts/validate_result.py and the tests.

Modules:
  project    where things are (tools.conf, bin/, schema, suites) and the mpirun flags
  schema     JSON Schema validation of result documents
  documents  loading documents and result directories (manifest.json)
  suites     suite files (TOML): parse and check before anything runs
  runner     running a suite: launch, manifest, A/B interleaving, resume
  deps       the third-party packages: which is missing and how to install it
  stats      median, bootstrap intervals, Mann-Whitney U, Wilcoxon signed-rank
  compare    matching workloads, the run as the sample, paired and unpaired tests,
             verdicts and the gate
  accept     acceptance specs (TOML): absolute requirements, pass/fail per line
  report     one self-contained HTML page with matplotlib plots
  io500_ini  IO500's ini file and hashes (config-hash, -G seeds)
  io500      IO500's phases, lines, score and INVALID rules; running them (scripts/io500)

Errors meant for the user are raised as UsageError (exit 2) or RunError
(exit 1), whose message is the whole line to print.
"""


class UsageError(Exception):
    """Bad input found before anything ran: exit 2."""


class RunError(Exception):
    """A failure while running: exit 1."""
