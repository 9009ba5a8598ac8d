"""The project's own exception: a message written for a marketer, not a developer."""


class LensError(Exception):
    """Bad input or an impossible request, explained in one line.

    The message says what is wrong and what to do. Pages show it with ``st.error``;
    the command line prints it on one line and exits with status 2.
    """
