"""The renderer's errors: a render that cannot finish, and a render process that is not there."""
from __future__ import annotations


class RenderError(ValueError):
    """A render could not finish; the message says why (overflow, time limit, bad option).

    ``block`` names the part of the design that caused it (e.g. ``headline``, ``quote-2``) when known.
    """

    def __init__(self, message: str, block: str | None = None):
        super().__init__(message)
        self.message, self.block = message, block

    def __reduce__(self):
        # Errors travel from the render process back to the caller by pickle.
        return type(self), (self.message, self.block)


class RenderUnavailable(RuntimeError):
    """No render process could do the job now (it died twice, or all are busy): try again shortly.

    Not a :class:`RenderError`: nothing is wrong with the input, so web pages answer 503 with
    ``Retry-After`` instead of a field error.
    """

    retry_after = 5

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message
