"""Peak memory of Spark's Python workers, sampled from this process's own process tree.

Spark launches its JVM as a child of the driver, the JVM forks one ``pyspark.daemon``
and the daemon forks the Python workers that run ``mapInPandas`` and pandas UDFs. A
background thread walks the driver's descendants every ``interval`` seconds and keeps
the largest resident set size (RSS) seen: summed over the daemon and all its workers,
and of the largest single worker. Forked workers share copy-on-write pages with the
daemon, so the sum over-counts shared pages: it is an upper bound, which is the safe
side for a memory budget. Other engineers' Spark sessions on the machine are not
descendants of this process and are never counted.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from types import TracebackType

import psutil

PYTHON_WORKER_MARKERS = ("pyspark.daemon", "pyspark.worker")
MIB = 1024 * 1024


@dataclass(frozen=True)
class WorkerMemory:
    """Peak RSS of the Python worker tree (sum) and of its largest process, in MiB."""

    peak_total_mib: float
    peak_process_mib: float
    peak_processes: int  # most worker processes alive at one sample


def _is_python_worker(process: psutil.Process) -> bool:
    try:
        command = " ".join(process.cmdline())
    except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
        return False
    return any(marker in command for marker in PYTHON_WORKER_MARKERS)


class WorkerMemorySampler:
    """``with WorkerMemorySampler() as sampler: ...``; then ``sampler.result``."""

    def __init__(self, interval: float = 0.1, root_pid: int | None = None) -> None:
        self.interval = interval
        self._root = psutil.Process(root_pid or os.getpid())
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="worker-memory-sampler", daemon=True)
        self._peak_total = 0
        self._peak_process = 0
        self._peak_processes = 0

    def __enter__(self) -> WorkerMemorySampler:
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
    def result(self) -> WorkerMemory:
        return WorkerMemory(self._peak_total / MIB, self._peak_process / MIB, self._peak_processes)

    def sample(self) -> None:
        """Record the current RSS of every Python worker below the root process."""
        total = largest = count = 0
        try:
            descendants = self._root.children(recursive=True)
        except psutil.NoSuchProcess:
            return
        for process in descendants:
            if not _is_python_worker(process):
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
