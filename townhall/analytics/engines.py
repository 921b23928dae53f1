"""Engines: where Ibis expressions run — DuckDB in-process by default, Spark for scale.

`connect("duckdb")` or `connect("spark", master="local[2]")` returns an `Engine`;
`engine.load(...)` binds Arrow tables (from the snapshot or from a test) as `Tables`;
`engine.execute(expr)` runs a pipeline and returns a pandas DataFrame (results are
small: one row per member, per edge or per day).
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import ibis
import ibis.expr.types as ir
import pandas as pd
import pyarrow as pa

from townhall.analytics.tables import (
    ACTIVITIES_SCHEMA,
    KINDS_SCHEMA,
    MEMBERS_SCHEMA,
    SOURCES_SCHEMA,
    Tables,
)

ENGINES = ("duckdb", "spark")


class EngineUnavailable(RuntimeError):
    """The requested engine cannot start here (e.g. PySpark or Java missing)."""


@dataclass
class Engine:
    """One Ibis backend and how to feed it."""

    name: str
    con: Any
    _counter: int = field(default=0, repr=False)

    def table(self, name: str, data: pa.Table) -> ir.Table:
        """Register an Arrow table under a fresh name and return it as an Ibis table."""
        self._counter += 1
        unique = f"{name}_{self._counter}"
        if self.name == "spark":
            # A temporary view over an in-memory DataFrame: nothing is written to disk
            # (a managed table would be copied into the warehouse directory).
            session = self.con._session
            frame = session.createDataFrame(data, schema=_spark_schema(data.schema))
            frame.createOrReplaceTempView(unique)
            return self.con.table(unique)
        return self.con.create_table(unique, data, overwrite=True)

    def load(
        self,
        *,
        activities: pa.Table,
        members: pa.Table,
        kinds: pa.Table,
        sources: pa.Table,
        as_of: datetime,
    ) -> Tables:
        """Bind the four input tables (in the schemas of tables.py) as `Tables`."""
        return Tables(
            activities=self.table("activities", activities),
            members=self.table("members", members),
            kinds=self.table("kinds", kinds),
            sources=self.table("sources", sources),
            as_of=as_of,
        )

    def read_parquet(self, name: str, paths: list[str], schema: pa.Schema) -> ir.Table:
        """Bind Parquet files (all with `schema`) as one table; no files gives an empty one.

        The files are read where they lie, lazily: DuckDB scans only the columns a
        query needs, Spark plans a scan over them (a cluster must see the same path).
        """
        if not paths:
            return self.table(name, schema.empty_table())
        self._counter += 1
        unique = f"{name}_{self._counter}"
        if self.name == "spark":
            session = self.con._session
            session.read.parquet(*paths).createOrReplaceTempView(unique)
            return self.con.table(unique)
        return self.con.read_parquet(paths, table_name=unique)

    def materialize(self, name: str, expr: ir.Table) -> ir.Table:
        """Compute `expr` once and keep it in the engine (DuckDB: a temporary table,
        Spark: a cached view), so pipelines that read it repeatedly pay for it once."""
        self._counter += 1
        unique = f"{name}_{self._counter}"
        if self.name == "spark":
            frame = self.con._session.sql(self.con.compile(expr))
            frame.cache().createOrReplaceTempView(unique)
            return self.con.table(unique)
        return self.con.create_table(unique, expr, temp=True, overwrite=True)

    def execute(self, expr: ir.Table) -> pd.DataFrame:
        """Run an expression and return its rows."""
        return self.con.to_pandas(expr)

    def execute_plain(self, expr: ir.Table) -> pd.DataFrame:
        """`execute` for large results of numbers, text and booleans (no dates).

        DuckDB's rows come through Arrow: pyarrow builds the DataFrame several times
        faster than Ibis' own conversion (2.4M rows with two text columns: 0.25 s vs
        1.7 s) and gives the same columns for such tables. (Dates would differ: Arrow
        gives `datetime.date` objects.)
        """
        if self.name == "duckdb":
            return self.con.to_pyarrow(expr).to_pandas()
        return self.execute(expr)


def connect(name: str = "duckdb", *, master: str | None = None) -> Engine:
    """Start an engine: "duckdb" (in-process) or "spark" (local[*] or a cluster URL)."""
    if name == "duckdb":
        return Engine("duckdb", ibis.duckdb.connect())
    if name == "spark":
        session = spark_session(master)  # says clearly when PySpark or Java is missing
        try:
            backend = ibis.pyspark
        except ImportError as error:  # pragma: no cover - depends on the install
            raise EngineUnavailable(f"Ibis' PySpark backend cannot load: {error}") from error
        return Engine("spark", backend.connect(session))
    raise ValueError(f"Unknown engine {name!r}; choose one of {', '.join(ENGINES)}")


def spark_session(master: str | None = None) -> Any:
    """A SparkSession (shared within the process), or EngineUnavailable saying why not."""
    try:
        from pyspark.sql import SparkSession
    except ImportError as error:  # pragma: no cover - depends on the install
        raise EngineUnavailable(
            "PySpark is not installed: install the project's dependencies "
            "(pip install -e .) or run with --engine duckdb."
        ) from error
    # Spark binds to the machine's hostname address by default, which may not resolve.
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    try:
        return (
            SparkSession.builder.master(master or "local[2]")
            .appName("townhall-analytics")
            .config("spark.ui.enabled", "false")
            # Spark's own console progress bars would draw over `townhall analyze`'s.
            .config("spark.ui.showConsoleProgress", "false")
            .config("spark.sql.session.timeZone", "UTC")
            .config("spark.sql.shuffle.partitions", "4")
            # Spark's default 1 GB driver cannot broadcast the member-sized sides of
            # joins at a million members (the graph's edges failed at 1M activities);
            # it only applies when this call starts the JVM (local mode).
            .config("spark.driver.memory", "3g")
            # Not the current directory: a checkout must not fill with Spark's tables.
            .config("spark.sql.warehouse.dir", tempfile.mkdtemp(prefix="townhall-spark-"))
            .getOrCreate()
        )
    except Exception as error:  # Java missing, cluster unreachable…
        raise EngineUnavailable(f"Spark could not start: {error}") from error


def empty(schema: ibis.Schema) -> pa.Table:
    """An empty Arrow table with one of the tables.py schemas."""
    return schema.to_pyarrow().empty_table()


SCHEMAS = {
    "activities": ACTIVITIES_SCHEMA,
    "members": MEMBERS_SCHEMA,
    "kinds": KINDS_SCHEMA,
    "sources": SOURCES_SCHEMA,
}


def _spark_schema(schema: pa.Schema) -> Any:
    """The Spark schema for an Arrow schema (Spark cannot infer types of all-null columns)."""
    from pyspark.sql import types as T

    def spark_type(arrow_type: pa.DataType) -> Any:
        if pa.types.is_int64(arrow_type):
            return T.LongType()
        if pa.types.is_int32(arrow_type):
            return T.IntegerType()
        if pa.types.is_floating(arrow_type):
            return T.DoubleType()
        if pa.types.is_boolean(arrow_type):
            return T.BooleanType()
        if pa.types.is_timestamp(arrow_type):
            return T.TimestampType()
        if pa.types.is_date(arrow_type):
            return T.DateType()
        return T.StringType()

    return T.StructType([T.StructField(f.name, spark_type(f.type), nullable=True) for f in schema])
