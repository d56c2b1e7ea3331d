from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, path


def service_list(request: HttpRequest) -> HttpResponse:  # placeholder, replaced by the flow
    return HttpResponse("Booking is coming.")


urlpatterns: list[URLPattern] = [path("book/", service_list, name="service-list")]
