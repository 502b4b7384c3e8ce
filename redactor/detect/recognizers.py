"""The project's own Presidio recognizers (offline, pattern-only).

Presidio's built-ins miss what matters to us (no A-number, no immigration-status vocabulary,
no status-revealing licence classes) and accept SSNs with 9xx areas (issue #2275). These
recognizers reuse the RE2/``re`` patterns of :mod:`redactor.detect.patterns`, so Presidio and
the vectorised Arrow path agree on what a match is.
"""

from __future__ import annotations

from presidio_analyzer import Pattern, PatternRecognizer

from redactor.detect import patterns as p

# Entities our recognizers add, mapped to the project category they are evidence for.
A_NUMBER = "US_A_NUMBER"
VALID_SSN = "US_SSN_VALIDATED"
VALID_ITIN = "US_ITIN_VALIDATED"
STATE_DL = "US_STATE_DL"
STREET = "US_STREET_ADDRESS"
IMMIGRATION = "IMMIGRATION_STATUS"
STATUS_PROXY = "STATUS_PROXY"


def _recognizer(
    entity: str, name: str, regex: str, score: float, context: list[str] | None = None
) -> PatternRecognizer:
    return PatternRecognizer(
        supported_entity=entity,
        name=f"Redactor{name}Recognizer",
        patterns=[Pattern(name=name, regex=regex, score=score)],
        context=context,
        supported_language="en",
    )


def project_recognizers() -> list[PatternRecognizer]:
    """Recognizers for the entities Presidio lacks or gets wrong."""
    return [
        _recognizer(
            A_NUMBER,
            "ANumber",
            rf"\b(?:{p.A_NUMBER})\b",
            0.6,
            ["alien", "registration", "uscis", "a-number", "anumber", "immigration"],
        ),
        _recognizer(
            VALID_SSN,
            "ValidSsn",
            rf"\b(?:{p.SSN_VALID_FORMATTED}|{p.SSN_VALID_BARE})\b",
            0.5,
            ["ssn", "social", "security"],
        ),
        _recognizer(
            VALID_ITIN,
            "ValidItin",
            rf"\b(?:{p.ITIN_ANY})\b",
            0.6,
            ["itin", "taxpayer", "tin", "tax"],
        ),
        _recognizer(
            STATE_DL,
            "StateDl",
            rf"\b(?:{p.DL_FORMATS})\b",
            0.4,
            ["driver", "license", "licence", "dl", "permit", "id"],
        ),
        _recognizer(
            STREET,
            "StreetAddress",
            rf"\b(?:{p.STREET_ADDRESS}|{p.PO_BOX}|{p.MILITARY_ADDRESS})",
            0.6,
            ["address", "street", "residence", "mailing"],
        ),
        _recognizer(
            IMMIGRATION,
            "ImmigrationStatus",
            rf"\b(?:{p.STATUS_TERMS})\b",
            0.6,
            ["status", "citizenship", "immigration", "visa"],
        ),
        _recognizer(
            STATUS_PROXY,
            "StatusProxy",
            rf"\b(?:{p.STATUS_PROXY_VALUES})\b",
            0.5,
            ["class", "license", "card", "type"],
        ),
    ]
