"""Statistics of a comparison: medians, a bootstrap confidence interval of
the ratio of medians, and the Mann-Whitney U test (scipy, from Debian).
Pure functions of their inputs; the bootstrap is seeded, so the same
samples give the same interval."""
import statistics

import numpy as np

BOOTSTRAP_RESAMPLES = 4000
CONFIDENCE = 0.95


def median(values):
    return statistics.median(values)


def bootstrap_ratio_ci(base, new, seed=0, resamples=BOOTSTRAP_RESAMPLES, confidence=CONFIDENCE):
    """Percentile bootstrap interval of median(new) / median(base): each side
    resampled with replacement on its own. Returns (low, high), or None when
    a side is empty or a resampled base median is 0."""
    if not base or not new:
        return None
    rng = np.random.default_rng(seed)
    b = np.asarray(base, dtype=float)
    n = np.asarray(new, dtype=float)
    mb = np.median(rng.choice(b, size=(resamples, b.size), replace=True), axis=1)
    mn = np.median(rng.choice(n, size=(resamples, n.size), replace=True), axis=1)
    if np.any(mb == 0):
        return None
    ratios = mn / mb
    tail = (1 - confidence) / 2 * 100
    low, high = np.percentile(ratios, [tail, 100 - tail])
    return float(low), float(high)


def mann_whitney_p(base, new):
    """Two-sided Mann-Whitney U p-value; None with fewer than 1 value a side
    or when every value is the same (no ranks to compare)."""
    if not base or not new or len(set(base) | set(new)) < 2:
        return None
    from scipy.stats import mannwhitneyu
    return float(mannwhitneyu(base, new, alternative="two-sided").pvalue)
