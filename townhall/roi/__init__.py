"""What the community is worth: cohorts, adjusted effects, deflection, reports.

The library entry point works on any table::

    from townhall.roi import estimate_effect
    result = estimate_effect(frame, treatment="active", outcome="days_to_close",
                             covariates=["segment", "employees", "prior_arr"])

Imports are lazy so that `import townhall.roi` (e.g. by Django's app loading) does not
pull in scikit-learn.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from townhall.roi.effects import EffectEstimate, estimate_effect

__all__ = ["EffectEstimate", "estimate_effect"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from townhall.roi import effects

        return getattr(effects, name)
    raise AttributeError(name)
