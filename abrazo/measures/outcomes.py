"""Pre/post outcome statistics (issue 5, DOMAIN.md §8). Pure: no Django, plain numbers in and out.

For one measure or subscale and one group of respondents, `paired_change` compares each respondent's score
at entry (pre) with the score at closure (post). Pairs with a missing side are dropped and counted. Every
statistic that cannot be worked out (too few pairs, no spread) is None, with a reason code in
`not_calculated` under the statistic's field name; results never hold nan or inf.

Definitions (all changes are post - pre, in the measure's own units and sign):

- SD of the change with n - 1; SE = SD / sqrt(n); 95% CI of the mean change from Student's t with n - 1
  degrees of freedom; the paired t-test p is two-sided (the same test as `scipy.stats.ttest_rel`).
- Cohen's d_z = mean change / SD of the change (Cohen 1988, the standardised mean of the differences).
- Hedges' g_av (Cumming 2012; Lakens 2013, "Calculating and reporting effect sizes", Frontiers in
  Psychology): d_av = mean change / ((SD_pre + SD_post) / 2), times Hedges' small-sample correction
  J = 1 - 3 / (4(n - 1) - 1). d_av is standardised by the spread of the scores, not of the changes, so it
  is comparable with between-group effect sizes; d_z usually comes out larger when pre and post correlate.
  J is 0 at n = 2, so g needs at least 3 pairs.
- 95% CI of g: the normal approximation g +/- z * SE_g with the variance for matched groups of
  Borenstein, Hedges, Higgins & Rothstein (2009), "Introduction to Meta-Analysis", chapter 4:
  V_d = (1/n + d^2/(2n)) * 2(1 - r), V_g = J^2 * V_d, where r is the pre/post Pearson correlation. That
  formula standardises by the within-occasion SD; using the average SD for it is the usual approximation
  and exact when the pre and post SDs are equal.
- Direction: `higher_is_better` says which way is good (False for a stress scale, where improvement is a
  decrease). It orients the shares and reliable change only; means, d_z and g keep the raw sign.
- Improved / worse / unchanged: the share of pairs whose change is in the good direction, the bad
  direction, or zero (a difference within floating-point noise of the scores counts as zero).
- Reliable change (Jacobson & Truax 1991): RCI = change / S_diff, S_diff = sqrt(2) * SD * sqrt(1 - rxx),
  with SD the group's pre SD, or `sd_reference` (a normative SD, or the whole sample's pre SD so that
  every subgroup is held to the same threshold, which `by_group` does). |RCI| > 1.96 is reliable.

Publishing (DOMAIN.md §7). `publishable` says whether a group has enough pairs (default 11: counts of 1-10
are never shown) for its statistics to be shown; `withhold` gives the result with everything but the
counts of pairs blanked, for a group that is not. This module does not hide *counts*: the pages and exports
run n, n_dropped, n_improved, n_worse, n_unchanged and the reliable-change counts through
`abrazo.equity.suppression` (primary and complementary suppression), and hide a share whose count is
hidden. Limitation: with the overall mean and n published, a withheld group's mean can be worked out from
its siblings' means and n when exactly one group is withheld; complementary suppression of the n column
(which then hides a second group) keeps that to the combined mean of two or more groups.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from types import MappingProxyType
from typing import TypeVar

import numpy as np
from scipy import stats

from abrazo.equity.suppression import DEFAULT_HIGH

# Fewest pairs for a group's statistics to be shown: counts of 1..DEFAULT_HIGH are never published.
DEFAULT_MIN_N = DEFAULT_HIGH + 1

# Jacobson & Truax's criterion: a change beyond 1.96 standard errors of a difference is unlikely (p < .05)
# to be measurement error alone. The published criterion is 1.96 exactly, not the exact normal quantile.
RCI_CRITERION = 1.96

CONFIDENCE = 0.95

# Differences and spreads this small relative to the scores themselves are rounding noise (scores such as
# item means are rarely exact in binary), so they count as zero: no spurious "improved" for 10/3 vs 10/3
# computed two ways, no astronomic d_z from a spread of 1e-16.
_RELATIVE_NOISE = 1e-9

Score = float | int | None


class NotCalculated:
    """Why a statistic is None (stable codes: exports and the API carry them)."""

    NO_PAIRS = "no_pairs"  # no respondent has both a pre and a post score
    TOO_FEW_PAIRS = "too_few_pairs"  # one pair: no spread can be estimated
    TOO_FEW_PAIRS_FOR_CORRECTION = "too_few_pairs_for_correction"  # n = 2: Hedges' J is 0
    NO_SPREAD_IN_CHANGE = "no_spread_in_change"  # every pair changed by the same amount
    NO_SPREAD_IN_SCORES = "no_spread_in_scores"  # pre and post scores are all alike
    CORRELATION_UNDEFINED = "correlation_undefined"  # the pre or the post scores are all alike
    NO_RELIABILITY = "reliability_not_given"
    RELIABILITY_OUT_OF_RANGE = "reliability_out_of_range"  # not in [0, 1)
    NO_SPREAD_AT_PRE = "no_spread_at_pre"  # the pre scores are all alike: no SD for S_diff
    REFERENCE_SD_NOT_POSITIVE = "reference_sd_not_positive"
    WITHHELD_SMALL_GROUP = "withheld_small_group"  # fewer pairs than the publication threshold


@dataclass(frozen=True)
class PairedResult:
    higher_is_better: bool
    n: int  # complete pairs used
    n_dropped: int  # pairs with the pre or the post score missing
    mean_pre: float | None
    mean_post: float | None
    mean_change: float | None  # post - pre, raw sign
    sd_pre: float | None
    sd_post: float | None
    sd_change: float | None
    se_change: float | None
    ci_low: float | None  # 95% CI of the mean change (t distribution)
    ci_high: float | None
    t_statistic: float | None
    p_value: float | None  # paired t-test, two-sided
    correlation: float | None  # Pearson r between pre and post
    d_z: float | None
    hedges_correction: float | None  # J
    hedges_g: float | None  # g_av, see the module docstring
    g_ci_low: float | None
    g_ci_high: float | None
    n_improved: int | None  # change in the good direction
    n_worse: int | None
    n_unchanged: int | None
    share_improved: float | None
    share_worse: float | None
    share_unchanged: float | None
    reliability: float | None  # as given
    reliable_change_sd: float | None  # S_diff
    reliable_change_threshold: float | None  # RCI_CRITERION * S_diff, in score points
    n_reliably_improved: int | None
    n_reliably_worse: int | None
    share_reliably_improved: float | None
    share_reliably_worse: float | None
    not_calculated: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))

    def reason(self, statistic: str) -> str | None:
        """The code saying why `statistic` (a field name) is None, or None when it was calculated."""
        return self.not_calculated.get(statistic)


# Fields that describe the input rather than estimate something: `withhold` keeps them.
_KEPT_WHEN_WITHHELD = frozenset({"higher_is_better", "n", "n_dropped", "reliability", "not_calculated"})


def _as_score(value: Score) -> float | None:
    """A usable score, or None when missing (None, nan or an infinity)."""
    if value is None:
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def _complete_pairs(pre: Sequence[Score], post: Sequence[Score]) -> tuple[np.ndarray, np.ndarray, int]:
    if len(pre) != len(post):
        raise ValueError(f"pre has {len(pre)} scores and post {len(post)}: they must be paired one to one")
    kept_pre: list[float] = []
    kept_post: list[float] = []
    for before, after in zip(pre, post, strict=True):
        before_score, after_score = _as_score(before), _as_score(after)
        if before_score is None or after_score is None:
            continue
        kept_pre.append(before_score)
        kept_post.append(after_score)
    return np.array(kept_pre, dtype=float), np.array(kept_post, dtype=float), len(pre) - len(kept_pre)


def _sample_sd(values: np.ndarray, noise_scale: float) -> float:
    """SD with n - 1 (needs n >= 2), reported as exactly 0 when it is only rounding noise."""
    sd = float(np.std(values, ddof=1))
    return 0.0 if sd <= _RELATIVE_NOISE * noise_scale else sd


def reliable_change_sd(sd: float, reliability: float) -> float:
    """S_diff = sqrt(2) * SE_measurement, SE_measurement = SD * sqrt(1 - reliability) (Jacobson & Truax)."""
    return math.sqrt(2.0) * sd * math.sqrt(1.0 - reliability)


def paired_change(
    pre: Sequence[Score],
    post: Sequence[Score],
    *,
    higher_is_better: bool,
    reliability: float | None = None,
    sd_reference: float | None = None,
) -> PairedResult:
    """Paired pre/post statistics for one measure in one group; pre[i] and post[i] are one respondent.

    Raises ValueError only when pre and post differ in length (a caller's mistake, not a property of the
    data); everything the data leave undefined is None with a reason.
    """
    before, after, n_dropped = _complete_pairs(pre, post)
    n = len(before)
    reasons: dict[str, str] = {}
    values: dict[str, float | int | None] = {}

    def undefined(reason: str, *names: str) -> None:
        for name in names:
            values[name] = None
            reasons[name] = reason

    change = after - before
    # Scale for telling noise from signal: the size of the scores themselves.
    noise_scale = float(max(np.max(np.abs(before)), np.max(np.abs(after)))) if n else 0.0

    # Means and the shares of improved / worse / unchanged need one pair.
    if n == 0:
        undefined(NotCalculated.NO_PAIRS, "mean_pre", "mean_post", "mean_change")
        undefined(NotCalculated.NO_PAIRS, "share_improved", "share_worse", "share_unchanged")
        values.update(n_improved=0, n_worse=0, n_unchanged=0)
    else:
        values.update(mean_pre=float(np.mean(before)), mean_post=float(np.mean(after)))
        values["mean_change"] = float(np.mean(change))
        pair_scale = np.maximum(np.abs(before), np.abs(after))
        unchanged = np.abs(change) <= _RELATIVE_NOISE * pair_scale
        good = (change > 0) if higher_is_better else (change < 0)
        n_improved = int(np.count_nonzero(good & ~unchanged))
        n_unchanged = int(np.count_nonzero(unchanged))
        n_worse = n - n_improved - n_unchanged
        values.update(n_improved=n_improved, n_worse=n_worse, n_unchanged=n_unchanged)
        values.update(share_improved=n_improved / n, share_worse=n_worse / n, share_unchanged=n_unchanged / n)

    _spread_statistics(before, after, change, noise_scale, values, undefined)
    _reliable_change(
        change,
        values.get("sd_pre"),
        higher_is_better=higher_is_better,
        reliability=reliability,
        sd_reference=sd_reference,
        too_few=reasons.get("sd_pre"),
        values=values,
        undefined=undefined,
    )

    return PairedResult(
        higher_is_better=higher_is_better,
        n=n,
        n_dropped=n_dropped,
        reliability=reliability,
        not_calculated=MappingProxyType(reasons),
        **values,  # type: ignore[arg-type]  # every remaining field is set above, with its own type
    )


def _spread_statistics(
    before: np.ndarray,
    after: np.ndarray,
    change: np.ndarray,
    noise_scale: float,
    values: dict[str, float | int | None],
    undefined: Callable[..., None],
) -> None:
    """SDs, the t-test and its CI, the correlation, d_z and g with its CI: all need two pairs."""
    n = len(change)
    spread_names = ("sd_pre", "sd_post", "sd_change", "se_change", "correlation")
    test_names = ("ci_low", "ci_high", "t_statistic", "p_value", "d_z")
    hedges_names = ("hedges_correction", "hedges_g", "g_ci_low", "g_ci_high")
    if n < 2:
        reason = NotCalculated.NO_PAIRS if n == 0 else NotCalculated.TOO_FEW_PAIRS
        undefined(reason, *spread_names, *test_names, *hedges_names)
        return

    sd_pre = _sample_sd(before, noise_scale)
    sd_post = _sample_sd(after, noise_scale)
    sd_change = _sample_sd(change, noise_scale)
    se_change = sd_change / math.sqrt(n)
    mean_change = float(np.mean(change))
    values.update(sd_pre=sd_pre, sd_post=sd_post, sd_change=sd_change, se_change=se_change)

    if sd_pre == 0 or sd_post == 0:
        undefined(NotCalculated.CORRELATION_UNDEFINED, "correlation")
        correlation = None
    else:
        covariance = float(np.sum((before - before.mean()) * (after - after.mean()))) / (n - 1)
        correlation = min(1.0, max(-1.0, covariance / (sd_pre * sd_post)))
        values["correlation"] = correlation

    degrees_of_freedom = n - 1
    if sd_change == 0:
        # Every pair moved by the same amount: no sampling spread to test against, no d_z.
        undefined(NotCalculated.NO_SPREAD_IN_CHANGE, *test_names)
    else:
        t_statistic = mean_change / se_change
        margin = float(stats.t.ppf(0.5 + CONFIDENCE / 2, degrees_of_freedom)) * se_change
        values.update(ci_low=mean_change - margin, ci_high=mean_change + margin, t_statistic=t_statistic)
        values["p_value"] = min(1.0, 2.0 * float(stats.t.sf(abs(t_statistic), degrees_of_freedom)))
        values["d_z"] = mean_change / sd_change

    if n < 3:
        undefined(NotCalculated.TOO_FEW_PAIRS_FOR_CORRECTION, *hedges_names)
        return
    sd_average = (sd_pre + sd_post) / 2
    if sd_average == 0:
        undefined(NotCalculated.NO_SPREAD_IN_SCORES, *hedges_names)
        return
    correction = 1 - 3 / (4 * degrees_of_freedom - 1)  # Hedges' J with df = n - 1
    d_average = mean_change / sd_average
    g = correction * d_average
    values.update(hedges_correction=correction, hedges_g=g)
    if sd_change == 0:
        # r = 1 makes the matched-groups variance 0: an interval of width 0 would claim certainty.
        undefined(NotCalculated.NO_SPREAD_IN_CHANGE, "g_ci_low", "g_ci_high")
    elif correlation is None:
        undefined(NotCalculated.CORRELATION_UNDEFINED, "g_ci_low", "g_ci_high")
    else:
        # Borenstein et al. (2009), ch. 4, variance of d for matched groups, carried to g by J^2.
        variance_d = (1 / n + d_average**2 / (2 * n)) * 2 * (1 - correlation)
        se_g = correction * math.sqrt(max(variance_d, 0.0))
        z = float(stats.norm.ppf(0.5 + CONFIDENCE / 2))
        values.update(g_ci_low=g - z * se_g, g_ci_high=g + z * se_g)


def _reliable_change(
    change: np.ndarray,
    sd_pre: float | int | None,
    *,
    higher_is_better: bool,
    reliability: float | None,
    sd_reference: float | None,
    too_few: str | None,
    values: dict[str, float | int | None],
    undefined: Callable[..., None],
) -> None:
    names = (
        "reliable_change_sd",
        "reliable_change_threshold",
        "n_reliably_improved",
        "n_reliably_worse",
        "share_reliably_improved",
        "share_reliably_worse",
    )
    n = len(change)
    if reliability is None:
        undefined(NotCalculated.NO_RELIABILITY, *names)
        return
    if not (math.isfinite(reliability) and 0 <= reliability < 1):
        # A reliability of 1 would make S_diff 0 and every change, however small, "reliable".
        undefined(NotCalculated.RELIABILITY_OUT_OF_RANGE, *names)
        return
    if sd_reference is not None:
        if not (math.isfinite(sd_reference) and sd_reference > 0):
            undefined(NotCalculated.REFERENCE_SD_NOT_POSITIVE, *names)
            return
        sd = float(sd_reference)
    elif sd_pre is None:
        undefined(too_few or NotCalculated.TOO_FEW_PAIRS, *names)
        return
    elif sd_pre == 0:
        undefined(NotCalculated.NO_SPREAD_AT_PRE, *names)
        return
    else:
        sd = float(sd_pre)

    s_diff = reliable_change_sd(sd, reliability)
    values.update(reliable_change_sd=s_diff, reliable_change_threshold=RCI_CRITERION * s_diff)
    index = change / s_diff
    reliably_up = int(np.count_nonzero(index > RCI_CRITERION))
    reliably_down = int(np.count_nonzero(index < -RCI_CRITERION))
    improved, worse = (reliably_up, reliably_down) if higher_is_better else (reliably_down, reliably_up)
    values.update(n_reliably_improved=improved, n_reliably_worse=worse)
    if n == 0:
        undefined(NotCalculated.NO_PAIRS, "share_reliably_improved", "share_reliably_worse")
    else:
        values.update(share_reliably_improved=improved / n, share_reliably_worse=worse / n)


def reliable_change_index(pre: float, post: float, *, s_diff: float) -> float | None:
    """One respondent's RCI = (post - pre) / S_diff; None when S_diff is not a positive number."""
    if not (math.isfinite(s_diff) and s_diff > 0):
        return None
    return (post - pre) / s_diff


GroupValue = TypeVar("GroupValue")
GroupKey = TypeVar("GroupKey", bound=Hashable)


def by_group(
    rows: Iterable[tuple[Score, Score, GroupValue]],
    key: Callable[[GroupValue], GroupKey],
    *,
    higher_is_better: bool,
    reliability: float | None = None,
    sd_reference: float | None = None,
) -> dict[GroupKey, PairedResult]:
    """`paired_change` per group of (pre, post, group) rows, in order of first appearance.

    `key` turns a row's group value into the group it is counted in (e.g. `lambda child: child.language`
    when the group value describes the respondent, or `lambda label: label` for plain labels); whatever
    it returns, None included ("not recorded"), is a group of its own. For reliable change every group is
    held to the same threshold: without `sd_reference` it is the pre SD of all complete pairs, so a
    small group's own SD cannot make a change reliable for it and not for the others. The whole sample's
    result is `paired_change` over all rows.
    """
    materialised = list(rows)
    grouped: dict[GroupKey, tuple[list[Score], list[Score]]] = {}
    for before, after, group_value in materialised:
        pre_scores, post_scores = grouped.setdefault(key(group_value), ([], []))
        pre_scores.append(before)
        post_scores.append(after)

    if reliability is not None and sd_reference is None:
        whole_sample = paired_change(
            [row[0] for row in materialised], [row[1] for row in materialised], higher_is_better=higher_is_better
        )
        # None or 0 (fewer than two pairs, no spread): each group then says why it has no reliable change.
        sd_reference = whole_sample.sd_pre or None

    return {
        group: paired_change(
            pre_scores,
            post_scores,
            higher_is_better=higher_is_better,
            reliability=reliability,
            sd_reference=sd_reference,
        )
        for group, (pre_scores, post_scores) in grouped.items()
    }


def publishable(result: PairedResult, *, min_n: int = DEFAULT_MIN_N) -> bool:
    """Whether a group has enough pairs for its statistics to be shown (DOMAIN.md §7; the network's
    threshold as `min_n`). The counts themselves are suppressed by the page with `abrazo.equity.suppression`.
    """
    return result.n >= min_n


def withhold(result: PairedResult) -> PairedResult:
    """The result with every statistic blanked (reason `withheld_small_group`), for a group that is not
    `publishable`: only the counts of pairs stay, for the page to suppress as counts."""
    blanked: dict[str, object] = {}
    reasons = dict(result.not_calculated)
    for result_field in fields(result):
        if result_field.name in _KEPT_WHEN_WITHHELD:
            continue
        blanked[result_field.name] = None
        reasons[result_field.name] = NotCalculated.WITHHELD_SMALL_GROUP
    return replace(result, not_calculated=MappingProxyType(reasons), **blanked)  # type: ignore[arg-type]
