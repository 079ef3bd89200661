"""Statuses and the exception that carries them."""
import enum


class Status(enum.IntEnum):
    """fc_status of fastclip.h. Values are fixed forever; a newer library
    may return values this enum lacks, which FastclipError keeps as ints."""
    OK = 0
    INVALID_ARGUMENT = 1
    BUFFER_TOO_SMALL = 2
    OUT_OF_MEMORY = 3
    IO = 4
    UNKNOWN_FORMAT = 5
    UNSUPPORTED = 6
    CORRUPT = 7
    TRUNCATED = 8
    TOO_LARGE = 9
    INTERNAL = 10
    INVALID_UTF8 = 11
    TEXT_TOO_LONG = 12
    MODEL = 13
    DEVICE = 14
    PARTIAL = 15


def _as_status(value):
    try:
        return Status(value)
    except ValueError:
        return int(value)


def status_name(status):
    """The library's English name of a status (fc_status_string), e.g.
    "corrupt image data"; "unknown status" for values it does not know."""
    from . import _lib
    return _lib.load().fc_status_string(int(status)).decode("utf-8", "replace")


class FastclipError(Exception):
    """A libfastclip call failed.

    Attributes
      status       the fc_status (a Status member, or a plain int for a
                   status newer than this package)
      status_name  the library's name of the status ("corrupt image data")
      message      the library's one-line message naming the problem
    str(error) is "message (status_name)".
    """

    def __init__(self, status, message):
        super().__init__(status, message)
        self.status = _as_status(status)
        self.message = message

    @property
    def status_name(self):
        try:
            return status_name(self.status)
        except OSError:
            return self.status.name.lower() if isinstance(self.status, Status) else "unknown status"

    def __str__(self):
        name = self.status_name
        if not self.message:
            return name
        return "%s (%s)" % (self.message, name)

    def __repr__(self):
        return "FastclipError(%r, %r)" % (self.status, self.message)


def raise_for(status, err):
    """Raises FastclipError for a failed call, with err's message."""
    message = bytes(err.message).split(b"\0", 1)[0].decode("utf-8", "replace")
    raise FastclipError(status, message)
