"""The ROI report: computed once (`townhall roi report`), stored, shown and exported.

Computing it takes seconds to a minute (models refitted, bootstraps), so pages never
compute: `build_report()` runs every analysis and `save_report()` stores the result as
JSON under `DATA_DIR/roi/report.json`; the pages, the API and the HTML/PDF export read
that. Charts are Vega-Lite specs built with Altair from the stored numbers.
"""

from __future__ import annotations

import json
import math
from datetime import date
from pathlib import Path
from typing import Any

import altair as alt
import pandas as pd
from django.conf import settings
from django.utils import timezone

from townhall.roi.analyses import Finding, all_findings
from townhall.roi.cohorts import cohort_rules
from townhall.roi.deflection import deflection_report
from townhall.roi.outcomes import compute_outcomes

TOPICS = {
    "sales": "Sales: deals with and without the community",
    "retention": "Retention: renewals and churn",
    "support": "Support: tickets",
}
COMPARISONS = {
    "active": "active members vs outside",
    "member": "members vs outside",
    "joined": "after joining vs never joined",
}
EVIDENCE = {
    "experiment": "Experiment — a random holdout; the strongest evidence",
    "quasi-experiment": "Quasi-experiment — before and after, against a comparison group",
    "adjusted": "Adjusted — differences in who joins taken out, as far as the data shows them",
    "correlation": "Correlation — a raw comparison; who joins may explain it",
    "none": "No estimate — too little data, said why",
}


def report_path() -> Path:
    return Path(settings.DATA_DIR) / "roi" / "report.json"


def _number(value: float | None) -> float | None:
    return None if value is None or not math.isfinite(value) else float(value)


def _finding_row(finding: Finding) -> dict[str, Any]:
    estimate = finding.estimate
    low, high = estimate.adjusted_ci if estimate and estimate.adjusted_ci else (None, None)
    if finding.evidence == "quasi-experiment":
        low, high = finding.figures.get("low"), finding.figures.get("high")
    adjusted = estimate.adjusted if estimate else finding.figures.get("did")
    return {
        "topic": finding.topic,
        "question": finding.question,
        "evidence": finding.evidence,
        "sentence": finding.sentence,
        "comparison": finding.comparison,
        "naive": _number(estimate.naive if estimate else None),
        "adjusted": _number(adjusted),
        "low": _number(low),
        "high": _number(high),
        "n_treated": estimate.n_treated if estimate else None,
        "n_control": estimate.n_control if estimate else None,
        "warnings": estimate.warnings if estimate else [],
        "method": estimate.method if estimate else "",
    }


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    clean = frame.astype(object).where(frame.notna(), None)
    return [
        {k: (_number(v) if isinstance(v, float) else v) for k, v in row.items()}
        for row in clean.to_dict("records")
    ]


def build_report(*, as_of: date | None = None, n_bootstrap: int = 200) -> dict[str, Any]:
    """Every finding and the outcomes per cohort, as plain data."""
    as_of = as_of or timezone.localdate()
    rules = cohort_rules()
    findings = all_findings(as_of=as_of, rules=rules, n_bootstrap=n_bootstrap)
    outcomes = compute_outcomes(as_of=as_of, rules=rules)
    end = as_of.replace(day=1)
    deflection = deflection_report(
        start=end.replace(year=end.year - 1), end=end, n_bootstrap=n_bootstrap
    )
    measured = deflection.measured
    return {
        "computed_at": timezone.now().isoformat(),
        "as_of": as_of.isoformat(),
        "rules": rules.as_dict(),
        "findings": [_finding_row(f) for f in findings],
        "deflection": {
            "months": deflection.months,
            "successes_per_month": _number(deflection.successes_per_month),
            "solution_views_per_month": _number(deflection.solution_views_per_month),
            "tickets_per_month": _number(deflection.tickets_per_month),
            "sentence": deflection.measured_sentence,
            "evidence": measured.evidence if measured and measured.ok else "none",
            "adjusted": _number(measured.adjusted if measured else None),
            "low": _number(measured.adjusted_ci[0] if measured and measured.adjusted_ci else None),
            "high": _number(measured.adjusted_ci[1] if measured and measured.adjusted_ci else None),
            "formulas": [{**f, "value": _number(float(f["value"]))} for f in deflection.formulas],
        },
        "outcomes": {
            "deals": _records(outcomes.deals),
            "renewals": _records(outcomes.renewals),
            "tickets": _records(outcomes.tickets),
        },
    }


def save_report(report: dict[str, Any]) -> Path:
    path = report_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(report, indent=1), encoding="utf-8")
    temporary.replace(path)  # readers never see half a report
    return path


def load_report() -> dict[str, Any] | None:
    try:
        return json.loads(report_path().read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return None


def effect_chart(rows: list[dict[str, Any]], title: str) -> dict[str, Any] | None:
    """A forest plot: each comparison's estimate with its interval, zero marked."""
    data = [
        {
            "comparison": f"{r['question']} — {COMPARISONS.get(r['comparison'], r['comparison'])}",
            "estimate": r["adjusted"],
            "low": r["low"],
            "high": r["high"],
            "evidence": r["evidence"],
        }
        for r in rows
        if r["adjusted"] is not None and r["low"] is not None
    ]
    if not data:
        return None
    frame = pd.DataFrame(data)
    base = alt.Chart(frame).encode(y=alt.Y("comparison:N", title=None, sort=None))
    chart = (
        base.mark_rule(strokeWidth=2).encode(
            x=alt.X("low:Q", title="effect (with 95% interval)"), x2="high:Q"
        )
        + base.mark_point(filled=True, size=80).encode(
            x="estimate:Q",
            color=alt.Color("evidence:N", title="evidence"),
            tooltip=["comparison", "estimate", "low", "high", "evidence"],
        )
        + alt.Chart(pd.DataFrame({"zero": [0]}))
        .mark_rule(strokeDash=[4, 4], color="gray")
        .encode(x="zero:Q")
    ).properties(title=title, width="container", height=max(60, 40 * len(data)))
    return chart.to_dict()


def cohort_chart(
    rows: list[dict[str, Any]], field: str, title: str, axis: str
) -> dict[str, Any] | None:
    data = [{"cohort": r["cohort"], field: r.get(field)} for r in rows if r.get(field) is not None]
    if not data:
        return None
    chart = (
        alt.Chart(pd.DataFrame(data))
        .mark_bar()
        .encode(
            x=alt.X("cohort:N", sort=["outside", "member", "active"], title=None),
            y=alt.Y(f"{field}:Q", title=axis),
            tooltip=["cohort", field],
        )
        .properties(title=title, width="container", height=180)
    )
    return chart.to_dict()


def charts_for(report: dict[str, Any], topic: str) -> list[dict[str, Any]]:
    """The charts of one topic's page."""
    rows = [r for r in report["findings"] if r["topic"] == topic]
    specs: list[dict[str, Any] | None] = []
    if topic == "sales":
        deals = report["outcomes"]["deals"]
        specs += [
            effect_chart(
                [r for r in rows if r["question"] == "Win rate"], "Win rate: difference (share)"
            ),
            effect_chart(
                [r for r in rows if r["question"] == "Days to win a deal"],
                "Days to win: difference (days)",
            ),
            cohort_chart(deals, "win_rate", "Win rate by cohort", "win rate"),
            cohort_chart(deals, "rmst_days", "Average days open within a year (RMST)", "days"),
        ]
    elif topic == "retention":
        specs += [
            effect_chart(rows, "Renewal rate: difference (share)"),
            cohort_chart(
                report["outcomes"]["renewals"],
                "renewal_rate",
                "Renewal rate by cohort",
                "renewal rate",
            ),
        ]
    else:
        specs += [
            effect_chart(rows, "Tickets a month: difference"),
            cohort_chart(
                report["outcomes"]["tickets"],
                "tickets_per_account_month",
                "Tickets per account-month",
                "tickets",
            ),
        ]
    return [spec for spec in specs if spec]


_VENDOR_SCRIPTS = (
    "vendor/vega/vega.min.js",
    "vendor/vega-lite/vega-lite.min.js",
    "vendor/vega-embed/vega-embed.min.js",
    "roi/report.js",
)


def export_html(report: dict[str, Any]) -> str:
    """The whole report as one self-contained HTML file (styles and scripts inline)."""
    from django.contrib.staticfiles import finders
    from django.template.loader import render_to_string

    from townhall.roi.views import report_context

    scripts = []
    for name in _VENDOR_SCRIPTS:
        found = finders.find(name)
        if not found:
            raise FileNotFoundError(
                f"{name} is missing: run scripts/vendor-static.sh (make install does) first"
            )
        # A script may not contain "</script>" inside an inline <script> element.
        scripts.append(
            Path(str(found)).read_text(encoding="utf-8").replace("</script", "<\\/script")
        )
    css = finders.find("web/townhall.css")
    context = {
        **report_context(report, None),
        "export": True,
        "inline_scripts": scripts,
        "inline_css": Path(str(css)).read_text(encoding="utf-8") if css else "",
        "SITE_NAME": settings.SITE_NAME,
    }
    return render_to_string("roi/report.html", context)


def export_pdf(html_path: Path, pdf_path: Path, *, chromium: str = "/usr/bin/chromium") -> None:
    """Print the exported HTML to PDF with headless Chromium (charts drawn first)."""
    import subprocess

    subprocess.run(
        [
            chromium,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--run-all-compositor-stages-before-draw",
            "--virtual-time-budget=10000",
            f"--print-to-pdf={pdf_path}",
            "--no-pdf-header-footer",
            html_path.resolve().as_uri(),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
