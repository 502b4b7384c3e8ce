"""Getting a Spark session for one redaction job: which master, quiet logs, the right Python.

Which master, in order: ``--spark-master``; the ``--master`` of ``spark-submit`` when redactor
runs under it; ``$SPARK_MASTER``; else ``local[*]`` (every core of this machine). A session
already active in this process (a notebook, the test suite) is reused as it is.
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
import warnings
from collections.abc import Iterator
from typing import TYPE_CHECKING

from redactor.errors import UsageError
from redactor.spark import INSTALL_HINT, require_pyspark

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

DEFAULT_MASTER = "local[*]"

# Spark's own warnings stay visible; only start-up chatter that says nothing about the job is
# lowered to ERROR. Errors are never hidden.
_LOG4J2 = """\
rootLogger.level = warn
rootLogger.appenderRef.stderr.ref = stderr
appender.stderr.type = Console
appender.stderr.name = stderr
appender.stderr.target = SYSTEM_ERR
appender.stderr.layout.type = PatternLayout
appender.stderr.layout.pattern = spark: %p %c{1}: %m%n%ex
logger.native.name = org.apache.hadoop.util.NativeCodeLoader
logger.native.level = error
logger.utils.name = org.apache.spark.util.Utils
logger.utils.level = error
"""


def under_spark_submit() -> bool:
    """True when this process was started by ``spark-submit`` (its JVM is already running)."""
    return "PYSPARK_GATEWAY_PORT" in os.environ


def resolve_master(master: str | None) -> str | None:
    """The master to ask for, or None to keep the one spark-submit was given."""
    if under_spark_submit():
        if master:
            raise UsageError(
                "--spark-master cannot be combined with spark-submit",
                hint="give the master to spark-submit (--master) and drop --spark-master",
            )
        return None
    return master or os.environ.get("SPARK_MASTER") or DEFAULT_MASTER


def is_local(master: str | None) -> bool:
    return bool(master) and (master == "local" or master.startswith("local["))  # type: ignore[union-attr]


def quiet_python_warnings() -> None:
    # pyspark warns on every Arrow call that pandas 3 is "not yet fully supported"; redactor's
    # path does not use pandas, so the warning only buries the messages that matter.
    warnings.filterwarnings(
        "ignore", message="PySpark does not yet fully support pandas", category=FutureWarning
    )


def get_session(
    master: str | None = None, *, conf: dict[str, str] | None = None, app_name: str = "redactor"
) -> SparkSession:
    """An active session (reused if one exists), else a new one on the resolved master."""
    require_pyspark()
    quiet_python_warnings()
    from pyspark.sql import SparkSession

    active = SparkSession.getActiveSession()
    if active is not None:
        have = active.sparkContext.master
        if master and master != have:
            raise UsageError(
                f"--spark-master {master} differs from the Spark session already running "
                f"here ({have})",
                hint="drop --spark-master, or run redactor in its own process",
            )
        return active
    want = resolve_master(master)
    builder = SparkSession.builder.appName(app_name)
    settings = {
        "spark.ui.showConsoleProgress": "false",
        "spark.sql.execution.arrow.pyspark.enabled": "true",
    }
    if want is not None:
        builder = builder.master(want)
    if is_local(want):
        # executors are this machine's Python: the one running redactor, not `python3` on PATH
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
        settings["spark.ui.enabled"] = "false"
    settings.update(conf or {})
    for k, v in settings.items():
        builder = builder.config(k, v)
    with _log_config(enabled=want is not None) as java_opts:
        if java_opts:
            extra = (conf or {}).get("spark.driver.extraJavaOptions", "")
            builder = builder.config("spark.driver.extraJavaOptions", f"{extra} {java_opts}")
        try:
            return builder.getOrCreate()
        except Exception as e:
            raise UsageError(
                f"Spark could not start ({type(e).__name__}: {str(e).splitlines()[0][:200]})",
                hint="Spark needs Java 17+ on PATH or JAVA_HOME; " + INSTALL_HINT,
            ) from None


@contextlib.contextmanager
def _log_config(*, enabled: bool) -> Iterator[str]:
    """A log4j2 configuration for the driver JVM we launch (spark-submit keeps its own)."""
    if not enabled:
        yield ""
        return
    fd, path = tempfile.mkstemp(prefix="redactor-log4j2.", suffix=".properties")
    try:
        with os.fdopen(fd, "w") as f:
            f.write(_LOG4J2)
        yield f"-Dlog4j2.configurationFile=file:{path}"
    finally:
        with contextlib.suppress(OSError):
            os.unlink(path)


@contextlib.contextmanager
def session_conf(spark: SparkSession, settings: dict[str, str]) -> Iterator[None]:
    """Set runtime SQL settings for one job and put the previous values back afterwards."""
    old = {k: spark.conf.get(k, None) for k in settings}
    for k, v in settings.items():
        spark.conf.set(k, v)
    try:
        yield
    finally:
        for k, v in old.items():
            if v is None:
                spark.conf.unset(k)
            else:
                spark.conf.set(k, v)
