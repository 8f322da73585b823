"""User-facing errors: one line that names the file, node or op and says what to do."""


class IrcError(Exception):
    """A problem with the user's input or environment; the CLI prints it on one line, exit 2."""
