"""SCRAM-SHA-256 (RFC 5802, RFC 7677) as PostgreSQL speaks it: salted verifiers and the server
side of the exchange.

A verifier is stored in PostgreSQL's own format, ``SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:
<ServerKey>`` (base64), so the password itself is never stored. The client's user name inside
the SCRAM messages is ignored (PostgreSQL uses the startup packet's ``user``); channel binding
(``-PLUS``) is not offered, so a client's ``y`` or ``n`` GS2 flag is accepted and ``p`` refused.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
import unicodedata
from dataclasses import dataclass

from redactor.errors import BadInputError

MECHANISM = "SCRAM-SHA-256"
DEFAULT_ITERATIONS = 4096  # PostgreSQL's default (scram_iterations); RFC 7677: at least 4096
MIN_ITERATIONS = 4096
_VERIFIER = re.compile(
    r"^SCRAM-SHA-256\$(?P<i>[0-9]{1,9}):(?P<salt>[A-Za-z0-9+/=]+)"
    r"\$(?P<stored>[A-Za-z0-9+/=]+):(?P<server>[A-Za-z0-9+/=]+)$"
)


class ScramError(Exception):
    """The client's SCRAM messages are malformed or its proof is wrong (never says which)."""


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except ValueError:
        raise ScramError("bad base64") from None


def _hmac(key: bytes, msg: bytes) -> bytes:
    return hmac.new(key, msg, hashlib.sha256).digest()


def normalize_password(password: str) -> bytes:
    """The password as SCRAM hashes it: SASLprep for ASCII is the identity; other text is
    NFKC-normalised (the mapping step of SASLprep, RFC 4013), as libpq does before hashing."""
    if password.isascii():
        return password.encode("utf-8")
    return unicodedata.normalize("NFKC", password).encode("utf-8")


@dataclass(frozen=True, slots=True)
class Verifier:
    iterations: int
    salt: bytes
    stored_key: bytes
    server_key: bytes

    @staticmethod
    def create(
        password: str, *, iterations: int = DEFAULT_ITERATIONS, salt: bytes | None = None
    ) -> Verifier:
        if iterations < MIN_ITERATIONS:
            raise ValueError(f"at least {MIN_ITERATIONS} iterations")
        salt = salt if salt is not None else os.urandom(16)
        salted = hashlib.pbkdf2_hmac("sha256", normalize_password(password), salt, iterations)
        client_key = _hmac(salted, b"Client Key")
        return Verifier(
            iterations, salt, hashlib.sha256(client_key).digest(), _hmac(salted, b"Server Key")
        )

    def text(self) -> str:
        return (
            f"{MECHANISM}${self.iterations}:{_b64(self.salt)}"
            f"${_b64(self.stored_key)}:{_b64(self.server_key)}"
        )

    @staticmethod
    def parse(text: str, where: str) -> Verifier:
        m = _VERIFIER.match(text.strip())
        if not m:
            raise BadInputError(
                f"{where}: not a SCRAM-SHA-256 verifier", hint="write it with `redactor users add`"
            )
        try:
            v = Verifier(
                int(m["i"]),
                base64.b64decode(m["salt"], validate=True),
                base64.b64decode(m["stored"], validate=True),
                base64.b64decode(m["server"], validate=True),
            )
        except ValueError:
            raise BadInputError(f"{where}: the verifier's base64 is broken") from None
        if v.iterations < MIN_ITERATIONS or len(v.stored_key) != 32 or len(v.server_key) != 32:
            raise BadInputError(
                f"{where}: the verifier is weaker than SCRAM-SHA-256 allows",
                hint="write it again with `redactor users add`",
            )
        return v


def decoy_verifier(secret: bytes, user: str) -> Verifier:
    """A verifier no password matches, stable per user name: an unknown user goes through the
    same exchange (same salt on every try) so that a client cannot tell it from a known one."""
    salt = _hmac(secret, b"salt:" + user.encode("utf-8"))[:16]
    return Verifier(
        DEFAULT_ITERATIONS,
        salt,
        _hmac(secret, b"stored:" + user.encode()),
        _hmac(secret, b"server:" + user.encode()),
    )


def _attributes(msg: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for part in msg.split(","):
        if len(part) < 2 or part[1] != "=" or not part[0].isalpha():
            raise ScramError("bad attribute")
        out.setdefault(part[0], part[2:])
    return out


class ServerExchange:
    """One SCRAM-SHA-256 exchange: ``first(client_first) -> server_first``, then
    ``final(client_final) -> server_final`` (raises ScramError when the proof is wrong)."""

    def __init__(self, verifier: Verifier, *, nonce: str | None = None) -> None:
        self.verifier = verifier
        self._server_nonce = nonce  # tests only: RFC 7677's example nonce
        self._nonce = ""
        self._client_first_bare = ""
        self._server_first = ""
        self._gs2 = ""

    def first(self, client_first: bytes) -> bytes:
        try:
            text = client_first.decode("utf-8")
        except UnicodeDecodeError:
            raise ScramError("not UTF-8") from None
        if text[:2] not in ("n,", "y,"):  # p=…: channel binding, which is not offered
            raise ScramError("channel binding not supported")
        second = text.find(",", 2)
        authzid = text[2:second] if second >= 0 else ""
        if second < 0 or (authzid and not authzid.startswith("a=")):
            raise ScramError("bad GS2 header")
        self._gs2 = text[: second + 1]
        self._client_first_bare = text[second + 1 :]
        attrs = _attributes(self._client_first_bare)
        if "m" in attrs or "r" not in attrs or not attrs["r"] or "n" not in attrs:
            raise ScramError("bad client-first-message")
        if any(c < "!" or c > "~" or c == "," for c in attrs["r"]):
            raise ScramError("bad nonce")
        server_nonce = self._server_nonce or base64.b64encode(os.urandom(18)).decode("ascii")
        self._nonce = attrs["r"] + server_nonce
        v = self.verifier
        self._server_first = f"r={self._nonce},s={_b64(v.salt)},i={v.iterations}"
        return self._server_first.encode("ascii")

    def final(self, client_final: bytes) -> bytes:
        try:
            text = client_final.decode("utf-8")
        except UnicodeDecodeError:
            raise ScramError("not UTF-8") from None
        head, sep, proof_b64 = text.rpartition(",p=")
        if not sep:
            raise ScramError("no proof")
        attrs = _attributes(head)
        if attrs.get("c") != _b64(self._gs2.encode("utf-8")) or attrs.get("r") != self._nonce:
            raise ScramError("channel binding or nonce mismatch")
        proof = _unb64(proof_b64)
        auth = f"{self._client_first_bare},{self._server_first},{head}".encode()
        v = self.verifier
        signature = _hmac(v.stored_key, auth)
        if len(proof) != len(signature):
            raise ScramError("bad proof")
        client_key = bytes(a ^ b for a, b in zip(proof, signature, strict=True))
        if not hmac.compare_digest(hashlib.sha256(client_key).digest(), v.stored_key):
            raise ScramError("wrong password")
        return f"v={_b64(_hmac(v.server_key, auth))}".encode("ascii")
