"""Domain errors: services raise them, views turn them into messages or form errors."""


class DomainError(Exception):
    """A rule of the clinic was broken; the message is safe to show to the user."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
