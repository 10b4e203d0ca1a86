"""The one exception type for mistakes a user can make, printed as `file:line:col: message`."""

from __future__ import annotations

from pathlib import Path


class InputError(Exception):
    """A mistake in what the user gave us, located in the file it is in.

    `line` and `column` are 1-based; None means the problem has no place inside the file
    (an empty file, one that cannot be read), and the message is printed as `file: message`.
    """

    def __init__(self, path: str | Path, message: str, line: int | None = None, column: int | None = None):
        self.path = str(path)
        self.message = message
        self.line = line
        self.column = column
        super().__init__(str(self))

    def __str__(self) -> str:
        if self.line is None:
            return f"{self.path}: {self.message}"
        return f"{self.path}:{self.line}:{self.column or 1}: {self.message}"

    def sort_key(self) -> tuple[str, int, int]:
        """Orders errors by file, then position; errors with no position first."""
        return (self.path, self.line or 0, self.column or 0)


class InputErrors(Exception):
    """Several located mistakes in one file, in file order."""

    def __init__(self, errors: list[InputError]):
        self.errors = sorted(errors, key=InputError.sort_key)
        super().__init__("\n".join(str(e) for e in self.errors))
