"""How the hashing key reaches executors.

The driver reads the key (``REDACTOR_KEY_FILE``) once and ships it as a Spark *broadcast
variable*. A broadcast travels through Spark's block manager, not through the job's
configuration: it never appears in ``SparkConf`` (so not in the UI's Environment tab or the
event log), not in a task's or stage's description, and not in the query plan (whose text only
shows :class:`redactor.spark.transform.BatchRedactor`'s repr). It is destroyed on the driver and
every executor when the job ends. On a shared cluster, also set ``spark.authenticate``,
``spark.network.crypto.enabled`` and ``spark.io.encryption.enabled`` so that the broadcast
travels and spills encrypted (docs/scale.md).
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, Any

from redactor.masking import HashKey

if TYPE_CHECKING:
    from pyspark import SparkContext


class BroadcastKey:
    """A handle to the key on executors; its pickled form holds only the broadcast's id."""

    __slots__ = ("_bc",)

    def __init__(self, bc: Any) -> None:
        self._bc = bc

    @classmethod
    def ship(cls, sc: SparkContext, key: HashKey) -> BroadcastKey:
        return cls(sc.broadcast(key))

    def get(self) -> HashKey:
        key = self._bc.value
        if not isinstance(key, HashKey):  # pragma: no cover - would be a bug
            raise TypeError("the broadcast hashing key is not a HashKey")
        return key

    def destroy(self) -> None:
        """Remove the key from the driver and every executor (best effort)."""
        with contextlib.suppress(Exception):  # already gone, or the context stopped
            self._bc.destroy(blocking=True)

    def __repr__(self) -> str:
        return "BroadcastKey(<secret>)"
