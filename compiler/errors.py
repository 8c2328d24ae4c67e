"""The user-facing error: one message that names the file, op or layer and what to do."""


class QtcError(Exception):
    """A user mistake or an unsupported input; the CLI prints it without a traceback."""

    exit_code = 1


class UsageError(QtcError):
    """A bad command line or an unsupported model feature."""

    exit_code = 2
