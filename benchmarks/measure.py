"""Run one benchmark stage in a fresh Python process and measure its wall time and peak memory.

Peak memory is the larger of (a) the resident set size of the child and all its descendants, sampled
with psutil every 50 ms, and (b) the child's own getrusage(RUSAGE_SELF).ru_maxrss, which it reports at exit
(the kernel's exact high-water mark, so short spikes between samples are not missed).
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import psutil

HERE = Path(__file__).resolve().parent
SAMPLE_SECONDS = 0.05


def run_measured(cmd: list[str], env: dict[str, str] | None = None) -> tuple[int, float, int]:
    """Run a command; return its exit code, wall seconds and the peak RSS (bytes) of its process tree, sampled."""
    code, wall, peak, _ = run_measured_cpu(cmd, env)
    return code, wall, peak


def run_measured_cpu(
    cmd: list[str], env: dict[str, str] | None = None, stdout: Any = None
) -> tuple[int, float, int, float]:
    """run_measured, plus the CPU seconds (user + system) of the whole process tree, a JVM included: on a shared
    machine wall time depends on the neighbours, CPU time much less. Each process's time is its last sample, so
    a process living under SAMPLE_SECONDS is missed. `stdout`: a file for the child's output."""
    start = time.perf_counter()
    child = subprocess.Popen(cmd, env=env, stdout=stdout)
    proc, peak, done = psutil.Process(child.pid), 0, threading.Event()
    cpu: dict[int, float] = {}

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            try:
                tree = [proc, *proc.children(recursive=True)]
            except psutil.NoSuchProcess:
                return
            total = 0
            for p in tree:
                with contextlib.suppress(psutil.NoSuchProcess, psutil.AccessDenied):
                    total += p.memory_info().rss
                    t = (
                        p.cpu_times()
                    )  # each process's own time: a reaped child's would be counted twice
                    cpu[p.pid] = t.user + t.system
            peak = max(peak, total)
            done.wait(SAMPLE_SECONDS)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    code = child.wait()
    wall = time.perf_counter() - start
    done.set()
    sampler.join()
    return code, wall, peak, sum(cpu.values())


def run_stage(
    stage: str,
    data: Path,
    rows: int,
    extra: list[str] | None = None,
    env: dict[str, str] | None = None,
) -> dict[str, Any]:
    """Run `stages.py STAGE` in a child process; return its JSON report plus wall time and peak RSS."""
    out = data / f"stage-{stage}.json"
    out.unlink(missing_ok=True)
    cmd = [
        sys.executable,
        str(HERE / "stages.py"),
        stage,
        "--data",
        str(data),
        "--rows",
        str(rows),
        "--out",
        str(out),
        *(extra or []),
    ]
    code, wall, peak = run_measured(cmd, {**os.environ, **(env or {})})
    if code != 0:
        raise RuntimeError(f"stage {stage} failed with exit code {code}: {' '.join(cmd)}")
    report = json.loads(out.read_text())
    report["process_seconds"] = wall
    report["peak_rss_sampled"] = peak
    report["peak_rss"] = max(peak, report.get("ru_maxrss", 0))
    return report
