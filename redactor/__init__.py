"""redactor: field-level redaction of exports under state limits on sharing personal data with
immigration enforcement."""

__version__ = "0.1.0"
