"""The project's own exception: a message written for a marketer, not a developer."""


class LensError(Exception):
    """Bad input or an impossible request, explained in one line.

    The message says what is wrong and what to do. Pages show it with ``st.error``;
    the command line prints it on one line and exits with status 2.
    """


class MissingColumn(LensError):
    """A column the orders need was not found. The message speaks of the app's column
    mapping; ``flag`` is the command line's way to name the column (the CLI adds it)."""

    def __init__(self, message: str, flag: str):
        super().__init__(message)
        self.flag = flag
