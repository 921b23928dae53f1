"""The effect of being in the community on an outcome, adjusted for who joins.

People who join a brand's community differ from those who do not: bigger accounts,
more engaged customers, more tickets to begin with. Comparing the two groups' raw
averages mixes the community's effect with those differences — strongly enough that
the sign can come out wrong. `estimate_effect` does what a careful analyst would:

1. **Propensity**: a logistic regression of treatment on the covariates gives each
   unit's probability e(x) of being treated.
2. **Overlap**: units with e(x) outside [trim, 1 − trim] have no comparable units on
   the other side; they are left out, and a warning says how many.
3. **Weights**: for the effect on the treated (ATT, the default — what the community
   did for those in it) treated units weigh 1 and controls e/(1 − e), so the controls
   look like the treated; for the average effect over everyone (ATE) 1/e and 1/(1 − e).
4. **Doubly robust estimate** (augmented inverse-probability weighting): an outcome
   model μ0(x) (linear for continuous outcomes, logistic for binary ones) fitted on the
   controls (and μ1(x) on the treated for the ATE); the estimate stays right when
   either the propensity model or the outcome model is right.

       ATT = mean_treated(Y − μ0(X)) − Σ_controls w·(Y − μ0(X)) / Σ_controls w,  w = e/(1 − e)
       ATE = mean(μ1 − μ0) + Σ T(Y − μ1)/e / Σ T/e − Σ (1−T)(Y − μ0)/(1−e) / Σ (1−T)/(1−e)

5. **Uncertainty**: a percentile bootstrap that resamples *clusters* (accounts, when
   `cluster=` names the column; rows otherwise) and refits both models each time.
6. **Balance**: the standardized mean difference of every covariate (each level of a
   categorical one) before and after weighting; any |SMD| above 0.1 after weighting is
   a warning.

Too few units in a group withholds the result with a plain reason instead of giving a
misleading number. See docs/roi.md for a worked example.
"""

from __future__ import annotations

import warnings as pywarnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

OutcomeType = Literal["continuous", "binary"]
Estimand = Literal["ATT", "ATE"]

SMD_LIMIT = 0.1  # the usual threshold for "balanced" (Austin 2009)


@dataclass
class EffectEstimate:
    """The result of `estimate_effect`; `withheld` says why there are no numbers, if so."""

    treatment: str
    outcome: str
    outcome_type: OutcomeType
    estimand: Estimand
    method: str
    covariates: list[str]
    n_treated: int = 0
    n_control: int = 0
    n_trimmed: int = 0
    treated_mean: float | None = None
    control_mean: float | None = None
    naive: float | None = None
    naive_ci: tuple[float, float] | None = None
    weighted: float | None = None
    adjusted: float | None = None
    adjusted_ci: tuple[float, float] | None = None
    confidence: float = 0.95
    balance: pd.DataFrame = field(default_factory=pd.DataFrame)
    warnings: list[str] = field(default_factory=list)
    withheld: str = ""
    evidence: str = "adjusted"

    @property
    def ok(self) -> bool:
        return not self.withheld

    def sentence(
        self,
        *,
        unit: str = "",
        treated: str = "treated",
        control: str = "others",
        label: str = "",
        names: dict[str, str] | None = None,
    ) -> str:
        """The result in plain words, with its range, e.g. for a report; `label` names the
        outcome (default: its column), `names` gives covariates words (default: as is)."""
        label = label or self.outcome
        if self.withheld:
            return f"No estimate for {label}: {self.withheld}"
        assert self.adjusted is not None and self.adjusted_ci is not None
        fmt = _formatter(self.outcome_type, unit)
        low, high = self.adjusted_ci
        level = f"{self.confidence:.0%}"
        words = [(names or {}).get(c, c) for c in self.covariates]
        adjusted_for = ", ".join(words) if words else "nothing"
        return (
            f"{label}: {fmt(self.treated_mean)} for {treated} vs "
            f"{fmt(self.control_mean)} for {control}; after adjusting for {adjusted_for} "
            f"the difference is {fmt(self.adjusted, signed=True)} "
            f"({fmt(low, signed=True)} to {fmt(high, signed=True)}, {level} interval)."
        )


def _formatter(outcome_type: OutcomeType, unit: str) -> Callable[..., str]:
    def fmt(value: float | None, *, signed: bool = False) -> str:
        if value is None:
            return "—"
        if outcome_type == "binary":
            points = value * 100
            text = f"{points:+.1f} points" if signed else f"{points:.1f}%"
            return text
        sign = "+" if signed else ""
        number = f"{value:{sign},.1f}" if abs(value) < 100 else f"{value:{sign},.0f}"
        return f"{number} {unit}".rstrip()

    return fmt


def estimate_effect(
    frame: pd.DataFrame,
    *,
    treatment: str,
    outcome: str,
    covariates: Sequence[str],
    outcome_type: OutcomeType = "continuous",
    estimand: Estimand = "ATT",
    cluster: str | None = None,
    n_bootstrap: int = 200,
    confidence: float = 0.95,
    trim: float = 0.01,
    min_group: int = 30,
    seed: int = 0,
    bootstrap_limit: int = 20_000,
) -> EffectEstimate:
    """Estimate the effect of `treatment` (0/1) on `outcome`, adjusted for `covariates`.

    Returns the naive difference of means, an inverse-probability-weighted estimate, the
    doubly robust estimate with a bootstrap interval (resampling `cluster` values when
    given; above `bootstrap_limit` rows, or with `n_bootstrap=0`, a cluster-robust
    interval from the estimator's influence function instead), covariate balance before
    and after weighting, and warnings. Raises
    ValueError for input that cannot be analysed (missing columns, a treatment that is
    not 0/1, a binary outcome that is not 0/1).
    """
    covariates = list(covariates)
    result = EffectEstimate(
        treatment=treatment,
        outcome=outcome,
        outcome_type=outcome_type,
        estimand=estimand,
        method=(
            f"doubly robust (AIPW): logistic propensity, "
            f"{'logistic' if outcome_type == 'binary' else 'linear'} outcome model, {estimand}; "
            f"{n_bootstrap} bootstrap resamples of {cluster or 'rows'}"
        ),
        covariates=covariates,
        confidence=confidence,
    )
    data = _checked(frame, treatment, outcome, covariates, outcome_type, cluster, result)
    t = data[treatment].to_numpy(dtype=bool)
    y = data[outcome].to_numpy(dtype=float)
    result.n_treated, result.n_control = int(t.sum()), int((~t).sum())
    result.treated_mean = float(y[t].mean()) if t.any() else None
    result.control_mean = float(y[~t].mean()) if (~t).any() else None
    if result.n_treated < min_group or result.n_control < min_group:
        result.withheld = (
            f"{result.n_treated} in the group and {result.n_control} outside it; at least "
            f"{min_group} on each side are needed before a difference means anything"
        )
        result.evidence = "none"
        return result
    result.naive = float(y[t].mean() - y[~t].mean())

    x, names = design_matrix(data, covariates)
    try:
        fit = _fit(x, t, y, outcome_type, estimand, trim)
    except _NoOverlap:
        result.withheld = (
            "the covariates separate the two groups completely (no unit in one group looks "
            "like any in the other), so there is nothing comparable to compare"
        )
        result.evidence = "none"
        return result
    result.n_trimmed = fit.n_trimmed
    result.weighted, result.adjusted = fit.ipw, fit.aipw
    result.balance = _balance(x, t, fit, names, estimand)
    result.warnings += _diagnostics(result, fit, min_group)

    tail = (1 - confidence) / 2 * 100
    if n_bootstrap == 0 or len(data) > bootstrap_limit:
        # Large tables: a cluster-robust standard error from the influence function,
        # which needs no refitting (and agrees with the bootstrap; see tests/roi).
        result.adjusted_ci = _influence_interval(data, fit, cluster, confidence)
        result.naive_ci = _naive_interval(data, t, y, cluster, confidence)
        result.method = result.method.replace(
            f"{n_bootstrap} bootstrap resamples of", "influence-function interval, clustered by"
        )
        return result
    naive_draws, adjusted_draws = _bootstrap(
        data, x, t, y, outcome_type, estimand, trim, cluster, n_bootstrap, seed
    )
    if len(adjusted_draws) >= max(20, n_bootstrap // 2):
        low, high = np.percentile(adjusted_draws, [tail, 100 - tail])
        result.adjusted_ci = (float(low), float(high))
        low, high = np.percentile(naive_draws, [tail, 100 - tail])
        result.naive_ci = (float(low), float(high))
    else:
        result.withheld = (
            "the models could not be fitted on most bootstrap resamples (too few units "
            "on one side, or a covariate that separates the groups perfectly)"
        )
        result.evidence = "none"
    return result


def _checked(
    frame: pd.DataFrame,
    treatment: str,
    outcome: str,
    covariates: list[str],
    outcome_type: OutcomeType,
    cluster: str | None,
    result: EffectEstimate,
) -> pd.DataFrame:
    """The rows that can be analysed; clear errors for input that cannot."""
    wanted = [treatment, outcome, *covariates, *([cluster] if cluster else [])]
    missing = [name for name in wanted if name not in frame.columns]
    if missing:
        raise ValueError(f"The table has no column {', '.join(map(repr, missing))}")
    treated = frame[treatment]
    if not treated.dropna().isin([0, 1, True, False]).all():
        raise ValueError(f"`{treatment}` must be 0/1 or True/False (who is in the group)")
    data = frame.loc[treated.notna() & frame[outcome].notna()].copy()
    dropped = len(frame) - len(data)
    if dropped:
        result.warnings.append(
            f"{dropped} rows without a value for {outcome} or {treatment} were left out"
        )
    data[treatment] = data[treatment].astype(bool)
    data[outcome] = pd.to_numeric(data[outcome], errors="raise").astype(float)
    if outcome_type == "binary" and not data[outcome].isin([0.0, 1.0]).all():
        raise ValueError(f"`{outcome}` is a binary outcome, so it must be 0/1")
    return data.reset_index(drop=True)


def design_matrix(data: pd.DataFrame, covariates: list[str]) -> tuple[np.ndarray, list[str]]:
    """Covariates as numbers: numeric columns as they are (missing values → the median plus
    an indicator), categorical ones as one column per level."""
    columns: list[np.ndarray] = []
    names: list[str] = []
    for name in covariates:
        values = data[name]
        if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
            numbers = values.astype(float)
            if numbers.isna().any():
                columns.append(numbers.isna().to_numpy(dtype=float))
                names.append(f"{name} missing")
                numbers = numbers.fillna(numbers.median() if numbers.notna().any() else 0.0)
            columns.append(numbers.to_numpy())
            names.append(name)
        else:
            levels = values.astype("string").fillna("(missing)")
            for level in sorted(levels.unique()):
                columns.append((levels == level).to_numpy(dtype=float))
                names.append(f"{name}={level}")
    if not columns:
        return np.zeros((len(data), 0)), []
    return np.column_stack(columns), names


@dataclass
class _Fit:
    keep: np.ndarray  # units inside the overlap region
    treated: np.ndarray  # which kept units are treated
    propensity: np.ndarray
    weights: np.ndarray  # balancing weights of the kept units (ATT: treated 1)
    ipw: float
    aipw: float
    n_trimmed: int
    influence: np.ndarray  # each kept unit's influence on `aipw`


def _fit(
    x: np.ndarray,
    t: np.ndarray,
    y: np.ndarray,
    outcome_type: OutcomeType,
    estimand: Estimand,
    trim: float,
) -> _Fit:
    """Propensity, overlap trimming, weights and both estimates on one sample."""
    from sklearn.linear_model import LinearRegression, LogisticRegression
    from sklearn.preprocessing import StandardScaler

    scaled = StandardScaler().fit_transform(x) if x.shape[1] else np.zeros((len(t), 1))
    with pywarnings.catch_warnings():
        pywarnings.simplefilter("ignore")  # convergence chatter on near-separable resamples
        # Weak regularization: enough to survive collinear dummies, little enough that
        # the propensities are not pulled together (which would under-correct).
        model = LogisticRegression(C=100.0, solver="newton-cholesky", max_iter=100).fit(scaled, t)
    e = np.clip(model.predict_proba(scaled)[:, 1], 1e-6, 1 - 1e-6)
    keep = (e >= trim) & (e <= 1 - trim)
    if not (t[keep].any() and (~t[keep]).any()):
        raise _NoOverlap
    xs, ts, ys, es = scaled[keep], t[keep], y[keep], e[keep]

    def outcome_model(rows: np.ndarray) -> Callable[[np.ndarray], np.ndarray]:
        if outcome_type == "binary":
            if len(np.unique(ys[rows])) < 2:  # everyone 0 (or 1): predict that
                constant = float(ys[rows][0])
                return lambda features: np.full(len(features), constant)
            with pywarnings.catch_warnings():
                pywarnings.simplefilter("ignore")
                fitted = LogisticRegression(C=100.0, solver="newton-cholesky", max_iter=100).fit(
                    xs[rows], ys[rows]
                )
            return lambda features: fitted.predict_proba(features)[:, 1]
        linear = LinearRegression().fit(xs[rows], ys[rows])
        return linear.predict

    mu0 = outcome_model(~ts)(xs)
    n = len(ts)
    if estimand == "ATT":
        w = np.where(ts, 1.0, es / (1 - es))
        control = ~ts
        ipw = ys[ts].mean() - np.average(ys[control], weights=w[control])
        residual = ys - mu0
        treated_part = residual[ts].mean()
        control_part = np.average(residual[control], weights=w[control])
        aipw = treated_part - control_part
        # Each unit's influence on the estimate (the nuisance models' own uncertainty is
        # second order for a doubly robust estimator).
        influence = n * np.where(
            ts,
            (residual - treated_part) / ts.sum(),
            -w * (residual - control_part) / w[control].sum(),
        )
    else:
        w = np.where(ts, 1 / es, 1 / (1 - es))
        ipw = np.average(ys[ts], weights=w[ts]) - np.average(ys[~ts], weights=w[~ts])
        mu1 = outcome_model(ts)(xs)
        gap = mu1 - mu0
        treated_part = np.average((ys - mu1)[ts], weights=w[ts])
        control_part = np.average((ys - mu0)[~ts], weights=w[~ts])
        aipw = gap.mean() + treated_part - control_part
        influence = (gap - gap.mean()) + n * np.where(
            ts,
            w * (ys - mu1 - treated_part) / w[ts].sum(),
            -w * (ys - mu0 - control_part) / w[~ts].sum(),
        )
    return _Fit(keep, ts, e, w, float(ipw), float(aipw), int((~keep).sum()), influence)


def _clustered_se(contributions: np.ndarray, clusters: np.ndarray | None) -> float:
    """Standard error of a mean of per-unit contributions, summing them within clusters."""
    n = len(contributions)
    if clusters is not None:
        contributions = pd.Series(contributions).groupby(clusters).sum().to_numpy()
    return float(np.sqrt((contributions**2).sum()) / n)


def _influence_interval(
    data: pd.DataFrame, fit: _Fit, cluster: str | None, confidence: float
) -> tuple[float, float]:
    from scipy.stats import norm

    clusters = data[cluster].to_numpy()[fit.keep] if cluster else None
    se = _clustered_se(fit.influence, clusters)
    z = float(norm.ppf(0.5 + confidence / 2))
    return fit.aipw - z * se, fit.aipw + z * se


def _naive_interval(
    data: pd.DataFrame, t: np.ndarray, y: np.ndarray, cluster: str | None, confidence: float
) -> tuple[float, float]:
    from scipy.stats import norm

    n, n1 = len(t), t.sum()
    gap = y[t].mean() - y[~t].mean()
    contributions = n * np.where(t, (y - y[t].mean()) / n1, -(y - y[~t].mean()) / (n - n1))
    se = _clustered_se(contributions, data[cluster].to_numpy() if cluster else None)
    z = float(norm.ppf(0.5 + confidence / 2))
    return float(gap - z * se), float(gap + z * se)


class _NoOverlap(Exception):
    """After trimming, one side is empty."""


def _balance(
    x: np.ndarray, t: np.ndarray, fit: _Fit, names: list[str], estimand: Estimand
) -> pd.DataFrame:
    """Standardized mean differences of each covariate column before and after weighting."""
    rows = []
    kx, kt, w = x[fit.keep], t[fit.keep], fit.weights
    for index, name in enumerate(names):
        column = x[:, index]
        spread = np.sqrt((column[t].var() + column[~t].var()) / 2)
        before = (column[t].mean() - column[~t].mean()) / spread if spread > 0 else 0.0
        kept = kx[:, index]
        treated_mean = kept[kt].mean() if estimand == "ATT" else np.average(kept[kt], weights=w[kt])
        after_gap = treated_mean - np.average(kept[~kt], weights=w[~kt])
        after = after_gap / spread if spread > 0 else 0.0
        rows.append({"covariate": name, "smd_before": float(before), "smd_after": float(after)})
    return pd.DataFrame(rows, columns=["covariate", "smd_before", "smd_after"])


def _diagnostics(result: EffectEstimate, fit: _Fit, min_group: int) -> list[str]:
    """Plain-words warnings about overlap, weights and balance."""
    notes = []
    total = result.n_treated + result.n_control
    if fit.n_trimmed:
        share = fit.n_trimmed / total
        notes.append(
            f"{fit.n_trimmed} of {total} units ({share:.0%}) had no comparable units on the "
            "other side (propensity outside the overlap region) and were left out"
            + ("; the estimate describes the rest only" if share > 0.05 else "")
        )
    control_weights = fit.weights[~fit.treated]
    if len(control_weights):
        effective = control_weights.sum() ** 2 / (control_weights**2).sum()
        if effective < min_group:
            notes.append(
                f"after weighting the comparison group counts as only {effective:.0f} units "
                "(a few units carry most of the weight): the interval is wide for a reason"
            )
    if not result.balance.empty:
        worst = result.balance.loc[result.balance["smd_after"].abs().idxmax()]
        if abs(worst["smd_after"]) > SMD_LIMIT:
            notes.append(
                f"after weighting, {worst['covariate']} still differs between the groups "
                f"(standardized difference {worst['smd_after']:.2f} > {SMD_LIMIT}): "
                "the adjusted figure may still be biased"
            )
    return notes


def _bootstrap(
    data: pd.DataFrame,
    x: np.ndarray,
    t: np.ndarray,
    y: np.ndarray,
    outcome_type: OutcomeType,
    estimand: Estimand,
    trim: float,
    cluster: str | None,
    n_bootstrap: int,
    seed: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Naive and adjusted estimates on resamples of clusters (or rows), models refitted."""
    rng = np.random.default_rng(seed)
    if cluster:
        groups = list(data.groupby(cluster, sort=True).indices.values())
    else:
        groups = [np.array([i]) for i in range(len(data))]
    naive, adjusted = [], []
    for _ in range(n_bootstrap):
        chosen = rng.integers(0, len(groups), size=len(groups))
        rows = np.concatenate([groups[i] for i in chosen])
        tb, yb = t[rows], y[rows]
        if tb.all() or not tb.any():
            continue
        try:
            fit = _fit(x[rows], tb, yb, outcome_type, estimand, trim)
        except (_NoOverlap, ValueError):
            continue
        naive.append(yb[tb].mean() - yb[~tb].mean())
        adjusted.append(fit.aipw)
    return np.asarray(naive), np.asarray(adjusted)
