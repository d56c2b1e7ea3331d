from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, path


def schedule(request: HttpRequest) -> HttpResponse:  # placeholder
    return HttpResponse("Schedule.")


urlpatterns: list[URLPattern] = [path("staff/", schedule, name="staff-schedule")]
