"""One hierarchy of errors, and the Problem record every stage reports with.

Bad input is never a traceback: parsers and validators collect ``Problem``
values (file, line, record, field, reason) and the CLI prints them one per
line.  ``PapershelfError`` derives from ``click.ClickException`` so an
aborting error prints a clean message and exits non-zero.
"""

from __future__ import annotations

from dataclasses import dataclass

import click


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with one record: where, which field, and why."""

    file: str
    record: str
    field: str
    reason: str
    line: int | None = None

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: record {self.record!r}: field {self.field!r}: {self.reason}"

    def to_dict(self) -> dict[str, object]:
        d: dict[str, object] = {"file": self.file, "record": self.record, "field": self.field, "reason": self.reason}
        if self.line:
            d["line"] = self.line
        return d


class PapershelfError(click.ClickException):
    """An error the user can act on; printed without a traceback."""


class ConfigError(PapershelfError):
    """The site configuration is invalid."""


class IngestError(PapershelfError):
    """A whole input file cannot be read (encoding, syntax, API error body)."""


class UnknownFormat(PapershelfError):
    """The named input format has no reader."""
