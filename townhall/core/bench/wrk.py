"""Drive HTTP load with wrk (Debian's `wrk`), a load generator written in C.

The web benchmark's clients run on the machine they measure. Python clients (httpx in
threads) spend about as much CPU per request as a cached page costs the server, so on
two cores they take a large share of what they are measuring; wrk's event loop takes a
small fraction of it. Both are closed loops: each of `clients` connections sends its
next request when the previous answer has arrived.

wrk reports through a Lua `done` hook (wrk's scripting API: `summary`, `latency`), one
line the caller parses; its latencies are microseconds.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

REPORT_MARK = "TOWNHALL-WRK"
_SCRIPT = f"""
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("{REPORT_MARK} %d %d %d %d %d\\n",
    summary.requests, summary.duration,
    e.connect + e.read + e.write + e.status + e.timeout,
    latency:percentile(50), latency:percentile(99)))
end
"""


@dataclass(frozen=True)
class WrkRun:
    """What one wrk run measured: answered requests (all statuses), failures (non-2xx/3xx
    answers, connection errors, time-outs), wall seconds, p50 and p99 in seconds."""

    requests: int
    errors: int
    seconds: float
    p50: float
    p99: float


def available() -> bool:
    return shutil.which("wrk") is not None


def parse_report(output: str) -> WrkRun:
    """The figures from wrk's output (the line the `done` hook writes)."""
    for line in output.splitlines():
        if line.startswith(REPORT_MARK):
            requests, duration_us, errors, p50_us, p99_us = (int(v) for v in line.split()[1:6])
            return WrkRun(
                requests=requests,
                errors=errors,
                seconds=duration_us / 1e6,
                p50=p50_us / 1e6,
                p99=p99_us / 1e6,
            )
    raise RuntimeError(f"wrk printed no report: {output[-1000:]}")


def drive_wrk(
    url: str,
    *,
    cookies: dict[str, str],
    clients: int,
    seconds: float,
    advance: Callable[[float], None],
    warm_up: float = 1.0,
) -> WrkRun:
    """Request `url` from `clients` connections for `seconds` (after `warm_up` seconds of
    the same load, not counted); `advance(elapsed)` is called while it runs."""
    headers = []
    if cookies:
        headers = ["-H", "Cookie: " + "; ".join(f"{k}={v}" for k, v in cookies.items())]
    threads = str(max(1, min(2, clients)))
    with tempfile.TemporaryDirectory(prefix="townhall-wrk-") as folder:
        script = Path(folder) / "report.lua"
        script.write_text(_SCRIPT)

        def run(duration: float, tick: Callable[[float], None] | None) -> str:
            command = [
                "wrk", "-t", threads, "-c", str(clients), "-d", f"{max(1, round(duration))}s",
                "--timeout", "30s", "-s", str(script), *headers, url,
            ]  # fmt: skip
            process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
            began = time.perf_counter()
            while process.poll() is None:
                time.sleep(0.2)
                if tick is not None:
                    tick(min(time.perf_counter() - began, duration))
            output = process.stdout.read().decode() if process.stdout else ""
            if process.returncode != 0:
                raise RuntimeError(f"wrk failed ({process.returncode}): {output[-1000:]}")
            return output

        if warm_up > 0:
            run(warm_up, None)
        return parse_report(run(seconds, advance))
