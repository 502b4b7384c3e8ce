"""The same redaction on Apache Spark (the optional extra ``redactor[spark]``).

The driver decides, plans, logs and commits; executors run the single-machine masking code
(:func:`redactor.transform.transform_batch`) on Arrow record batches through
``DataFrame.mapInArrow``. Nothing here imports pyspark until a Spark job is asked for, so
``redactor`` without the extra keeps working. See docs/scale.md.

    from redactor.spark import redact_dataset
    outcome = redact_dataset(decision, "dmv/", job, field_map=fm, log=log, master="local[2]")
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from redactor.errors import UsageError

if TYPE_CHECKING:
    from redactor.spark.job import redact_dataset

INSTALL_HINT = "install redactor[spark] (pip install 'redactor[spark]'); Spark also needs Java 17+"


def require_pyspark() -> None:
    """Raise a usage error (exit 2) when pyspark is not installed."""
    try:
        import pyspark  # noqa: F401
    except ImportError:
        raise UsageError(
            "--engine spark needs pyspark, which is not installed", hint=INSTALL_HINT
        ) from None


def __getattr__(name: str) -> Any:
    if name == "redact_dataset":
        require_pyspark()
        from redactor.spark.job import redact_dataset

        return redact_dataset
    raise AttributeError(name)


__all__ = ["INSTALL_HINT", "redact_dataset", "require_pyspark"]
