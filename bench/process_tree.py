"""CPU time of this process tree and peak memory of Spark's Python workers, sampled.

Spark launches its JVM as a child of the driver, the JVM forks one ``pyspark.daemon``
and the daemon forks the Python workers that run Arrow and pandas UDFs. A
background thread walks the driver's descendants every ``interval`` seconds and keeps:

* the largest resident set size (RSS) of the Python workers, summed over the daemon and
  its workers and of the largest one. Forked workers share copy-on-write pages with the
  daemon, so the sum over-counts shared pages: an upper bound, the safe side of a budget;
* the CPU seconds (user + system) the driver, the JVM and the workers spent while the
  sampler ran, by role (``ROLES``), so a report can say which side of the Arrow boundary a
  step spent its time on. On a machine shared with other jobs wall time stretches with
  their load; CPU time much less, so rows per CPU second is the steadier throughput
  figure. A process that ends between two samples loses at most one interval of CPU time.

Other sessions on the machine are not descendants of this process and are never counted.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

import psutil

PYTHON_WORKER_MARKERS = ("pyspark.daemon", "pyspark.worker")
MIB = 1024 * 1024
# Who spent the CPU: this (driver) process, Spark's JVM, the Python workers, anything else.
DRIVER, JVM, PYTHON_WORKERS, OTHER = "driver", "jvm", "python_workers", "other"
ROLES = (DRIVER, JVM, PYTHON_WORKERS, OTHER)


@dataclass(frozen=True)
class ProcessTreeUsage:
    """Peak RSS of the Python worker tree (sum) and of its largest process in MiB; CPU seconds."""

    peak_total_mib: float
    peak_process_mib: float
    peak_processes: int  # most worker processes alive at one sample
    cpu_by_role: dict[str, float]  # CPU seconds of each of ``ROLES``

    @property
    def cpu_seconds(self) -> float:
        """Driver, JVM and Python workers together."""
        return sum(self.cpu_by_role.values())


def _role(process: psutil.Process, root_pid: int) -> str:
    if process.pid == root_pid:
        return DRIVER
    try:
        command = process.cmdline()
    except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
        return OTHER
    if any(marker in part for part in command for marker in PYTHON_WORKER_MARKERS):
        return PYTHON_WORKERS
    if command and Path(command[0]).name == "java":
        return JVM
    return OTHER


def _cpu(process: psutil.Process) -> float | None:
    try:
        times = process.cpu_times()
    except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
        return None
    return float(times.user + times.system)


class ProcessTreeSampler:
    """``with ProcessTreeSampler() as sampler: ...``; then ``sampler.result``."""

    def __init__(self, interval: float = 0.1, root_pid: int | None = None) -> None:
        self.interval = interval
        self._root = psutil.Process(root_pid or os.getpid())
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="process-tree-sampler", daemon=True)
        self._peak_total = 0
        self._peak_process = 0
        self._peak_processes = 0
        self._cpu_start: dict[int, float] = {}
        self._cpu_last: dict[int, float] = {}
        self._roles: dict[int, str] = {}  # kept once known: reading cmdline costs
        self._lock = threading.Lock()  # the sampling thread and ``cpu_by_role`` callers

    def __enter__(self) -> ProcessTreeSampler:
        for process in self._tree():
            seconds = _cpu(process)
            if seconds is not None:
                self._cpu_start[process.pid] = self._cpu_last[process.pid] = seconds
                self._roles[process.pid] = _role(process, self._root.pid)
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._stop.set()
        self._thread.join()
        self.sample()  # one last look, so a very short phase still gets a reading

    @property
    def result(self) -> ProcessTreeUsage:
        return ProcessTreeUsage(
            self._peak_total / MIB, self._peak_process / MIB, self._peak_processes, self._cpu_by_role()
        )

    def cpu_by_role(self) -> dict[str, float]:
        """CPU seconds of each role since the sampler started, read now (for per-step deltas)."""
        self.sample()
        return self._cpu_by_role()

    def _cpu_by_role(self) -> dict[str, float]:
        with self._lock:
            cpu = dict.fromkeys(ROLES, 0.0)
            for pid, last in self._cpu_last.items():
                cpu[self._roles.get(pid, OTHER)] += last - self._cpu_start.get(pid, 0.0)
            return cpu

    def _tree(self) -> list[psutil.Process]:
        try:
            return [self._root, *self._root.children(recursive=True)]
        except psutil.NoSuchProcess:
            return []

    def sample(self) -> None:
        """Record the CPU time of every process in the tree and the RSS of the Python workers."""
        with self._lock:
            self._sample()

    def _sample(self) -> None:
        total = largest = count = 0
        for process in self._tree():
            # Asked again while "other": between fork and exec a worker still looks like its parent.
            if self._roles.get(process.pid, OTHER) == OTHER:
                self._roles[process.pid] = _role(process, self._root.pid)
            seconds = _cpu(process)
            if seconds is not None:
                self._cpu_last[process.pid] = max(seconds, self._cpu_last.get(process.pid, 0.0))
            if self._roles[process.pid] != PYTHON_WORKERS:
                continue
            try:
                rss = process.memory_info().rss
            except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
                continue
            total += rss
            largest = max(largest, rss)
            count += 1
        self._peak_total = max(self._peak_total, total)
        self._peak_process = max(self._peak_process, largest)
        self._peak_processes = max(self._peak_processes, count)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.sample()
