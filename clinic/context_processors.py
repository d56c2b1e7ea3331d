from typing import Any

from django.http import HttpRequest

from clinic.selectors import clinic_get_default


def clinic(request: HttpRequest) -> dict[str, Any]:
    """The clinic whose site this is, for the header and footer."""
    return {"site_clinic": clinic_get_default()}
