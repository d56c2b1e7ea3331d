import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clinic.settings")

application = get_asgi_application()

from clinic.secret_key import refuse_development_key  # noqa: E402 (needs settings)

refuse_development_key()
