"""Statistics of a comparison: medians, bootstrap confidence intervals,
the Mann-Whitney U test (two independent sides) and the Wilcoxon
signed-rank test (paired A/B rounds), from scipy (Debian's python3-scipy).
Pure functions of their inputs; the bootstrap is seeded, so the same
samples give the same interval."""
import math
import statistics

import numpy as np

from . import deps

BOOTSTRAP_RESAMPLES = 4000
CONFIDENCE = 0.95
ALPHA = 0.05


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


def log_ratios(base, new):
    """Per-pair log(new / base); pairs with a value <= 0 are left out."""
    return [math.log(n / b) for b, n in zip(base, new) if b > 0 and n > 0]


def paired_ratio(base, new):
    """exp(median of the per-pair log ratios new/base): the typical ratio of
    one round's B to its A."""
    d = log_ratios(base, new)
    return math.exp(median(d)) if d else None


def bootstrap_paired_ci(base, new, seed=0, resamples=BOOTSTRAP_RESAMPLES, confidence=CONFIDENCE):
    """Percentile bootstrap interval of exp(median(log(new_i / base_i))):
    the rounds (pairs) resampled with replacement. None without a pair."""
    d = np.asarray(log_ratios(base, new), dtype=float)
    if d.size == 0:
        return None
    rng = np.random.default_rng(seed)
    meds = np.median(rng.choice(d, size=(resamples, d.size), replace=True), axis=1)
    tail = (1 - confidence) / 2 * 100
    low, high = np.percentile(meds, [tail, 100 - tail])
    return float(math.exp(low)), float(math.exp(high))


def mann_whitney_p(base, new):
    """Two-sided Mann-Whitney U p-value; None with fewer than 1 value a side
    or when every value is the same (no ranks to compare)."""
    if not base or not new or len(set(base) | set(new)) < 2:
        return None
    deps.require("scipy")  # only the significance tests need scipy
    from scipy.stats import mannwhitneyu
    return float(mannwhitneyu(base, new, alternative="two-sided").pvalue)


def wilcoxon_p(base, new):
    """Two-sided Wilcoxon signed-rank p-value of the per-pair log ratios
    (exact for small samples without ties; scipy's default). None without
    a non-zero difference. With n pairs the smallest possible p is
    2 / 2**n: 5 rounds can never reach p < 0.05 (0.0625), 6 can (0.031)."""
    d = [x for x in log_ratios(base, new) if x != 0]
    if not d:
        return None
    deps.require("scipy")
    from scipy.stats import wilcoxon
    return float(wilcoxon(d, alternative="two-sided").pvalue)


def bootstrap_median_ci(values, seed=0, resamples=BOOTSTRAP_RESAMPLES, confidence=CONFIDENCE):
    """Percentile bootstrap interval of the median of one sample; None when empty."""
    if not values:
        return None
    rng = np.random.default_rng(seed)
    v = np.asarray(values, dtype=float)
    meds = np.median(rng.choice(v, size=(resamples, v.size), replace=True), axis=1)
    tail = (1 - confidence) / 2 * 100
    low, high = np.percentile(meds, [tail, 100 - tail])
    return float(low), float(high)
