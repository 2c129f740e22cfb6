"""One exception hierarchy. Every message is a sentence a user can act on; the CLI and web render it."""

from __future__ import annotations


class AnchorageError(Exception):
    """Something went wrong that the user can fix.

    `fix` is the advice for the command line and may name a command (`anchorage org add …`, `--mapping FILE`);
    `web_fix` is the advice for a web user, in plain words that never name a command. A raise site whose `fix`
    names a command sets `web_fix` too (tests/test_user_errors.py checks every one); elsewhere the web shows
    `fix`, which is then a plain sentence for both."""

    def __init__(self, message: str, *, fix: str | None = None, web_fix: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.fix = fix
        self._web_fix = web_fix

    @property
    def web_fix(self) -> str | None:
        """The advice a web page shows."""
        return self._web_fix if self._web_fix is not None else self.fix

    def __str__(self) -> str:
        return f"{self.message} {self.fix}" if self.fix else self.message

    def for_web(self) -> str:
        """The message and the web advice, as one text (e.g. a failed job's, shown on its page)."""
        return f"{self.message} {self.web_fix}" if self.web_fix else self.message


class WorkspaceError(AnchorageError):
    """The workspace is missing or its config is invalid."""


class ConfigError(WorkspaceError):
    """The workspace config has one or more problems (all are listed at once)."""

    def __init__(self, problems: list[str], path: str) -> None:
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"{path} has {len(problems)} problem(s):\n{lines}")
        self.problems = problems


class UnknownAnchorError(AnchorageError):
    """An anchor named on the command line is not in the workspace."""


class InputFileError(AnchorageError):
    """An input file cannot be read as a whole (empty, binary, no header, missing column...)."""

    def __init__(
        self, path: str, message: str, *, fix: str | None = None, web_fix: str | None = None
    ) -> None:
        super().__init__(f"{path}: {message}", fix=fix, web_fix=web_fix)
        self.path = path


class MappingError(InputFileError):
    """The columns of a file cannot be mapped to the fields we need."""


class HeaderNotFound(InputFileError):
    """No row near the top of the file names the columns we need."""


class NotFound(AnchorageError):
    """There is nothing by that reference that this user may open: the same answer whether it does not exist or
    belongs to an anchor they cannot see, so that references cannot be probed (rendered as 404)."""

    audited = (
        False  # set when the access layer has already recorded the refusal, with its real reason
    )
