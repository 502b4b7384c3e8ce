"""Reading and writing datasets as streams of Arrow record batches."""

from redactor.io.formats import Format, resolve_format
from redactor.io.readers import Source, open_batches, open_source
from redactor.io.writers import AtomicOutput, open_writer, write_text_atomic

__all__ = [
    "AtomicOutput",
    "Format",
    "Source",
    "open_batches",
    "open_source",
    "open_writer",
    "resolve_format",
    "write_text_atomic",
]
