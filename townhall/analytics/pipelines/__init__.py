"""Ibis pipelines over `Tables`, one pipeline a module.

Each module registers its pipelines with `@register("name")`. A pipeline is a pure
function `(tables: Tables) -> ibis Table` (parameters come from settings via defaults),
so the runner can execute it on any engine and the engine-agreement test can run every
registered pipeline on DuckDB and Spark and compare the results.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module

import ibis.expr.types as ir

from townhall.analytics.tables import Tables

Pipeline = Callable[[Tables], ir.Table]

PIPELINES: dict[str, Pipeline] = {}

# Modules imported by `all_pipelines()`; add a module here when you add one.
MODULES: list[str] = ["edges", "scores", "channels", "trends", "health"]


def register(name: str) -> Callable[[Pipeline], Pipeline]:
    """Register a pipeline under `name` (unique)."""

    def wrap(function: Pipeline) -> Pipeline:
        if name in PIPELINES and PIPELINES[name] is not function:
            raise ValueError(f"Pipeline {name!r} is registered twice")
        PIPELINES[name] = function
        return function

    return wrap


def all_pipelines() -> dict[str, Pipeline]:
    """Every registered pipeline, after importing the pipeline modules."""
    for module in MODULES:
        import_module(f"townhall.analytics.pipelines.{module}")
    return dict(PIPELINES)
