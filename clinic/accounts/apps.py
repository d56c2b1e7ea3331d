from django.apps import AppConfig


class AccountsConfig(AppConfig):
    """Logging in safely: lockout, password reset, two-step verification, idle sessions.

    No models of its own: django-axes keeps login attempts and django-otp the
    authenticator apps and backup codes.
    """

    name = "clinic.accounts"
    label = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        from clinic.accounts import signals  # noqa: F401 - connects the login receivers
