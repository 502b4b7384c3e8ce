"""SCRAM-SHA-256 of `redactor serve` against RFC 7677's worked example, and its refusals."""

from __future__ import annotations

import base64

import pytest

from redactor.errors import BadInputError
from redactor.serve.scram import ScramError, ServerExchange, Verifier

# RFC 7677, section 3
SALT = base64.b64decode("W22ZaJ0SNY7soEsUEjb6gQ==")
CLIENT_FIRST = b"n,,n=user,r=rOprNGfwEbeRWgbNEkqO"
SERVER_NONCE = "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0"
SERVER_FIRST = (
    b"r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096"
)
CLIENT_FINAL = (
    b"c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
    b"p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ="
)
SERVER_FINAL = b"v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="


def _exchange(password: str = "pencil") -> ServerExchange:
    v = Verifier.create(password, iterations=4096, salt=SALT)
    return ServerExchange(v, nonce=SERVER_NONCE)


def test_rfc7677_example() -> None:
    ex = _exchange()
    assert ex.first(CLIENT_FIRST) == SERVER_FIRST
    assert ex.final(CLIENT_FINAL) == SERVER_FINAL


def test_wrong_password_and_tampering_are_refused() -> None:
    ex = _exchange("pencil2")
    ex.first(CLIENT_FIRST)
    with pytest.raises(ScramError):
        ex.final(CLIENT_FINAL)
    ex = _exchange()
    ex.first(CLIENT_FIRST)
    with pytest.raises(ScramError):  # another nonce: a replayed proof
        ex.final(CLIENT_FINAL.replace(b"k0,", b"k1,"))
    with pytest.raises(ScramError):  # channel binding asked for: not offered
        _exchange().first(b"p=tls-server-end-point,,n=user,r=abc")


def test_verifier_text_round_trips_and_weak_ones_are_refused() -> None:
    v = Verifier.create("pencil")
    assert Verifier.parse(v.text(), "users") == v
    weak = v.text().replace("$4096:", "$1000:", 1)
    with pytest.raises(BadInputError):
        Verifier.parse(weak, "users")
    with pytest.raises(BadInputError):
        Verifier.parse("md5abcdef", "users")
