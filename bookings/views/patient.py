from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, path


def my_appointments(request: HttpRequest) -> HttpResponse:  # placeholder
    return HttpResponse("Your appointments.")


urlpatterns: list[URLPattern] = [path("me/", my_appointments, name="my-appointments")]
