from django.contrib.auth import views as auth_views
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import resolve_url
from django.views import defaults

from clinic.access import is_staff
from clinic.accounts.forms import EmailAuthenticationForm

STAFF_LANDING = "bookings:staff-calendar"
"""Where clinic staff land after signing in (with no `next`): today's calendar."""


def healthz(request: HttpRequest) -> HttpResponse:
    """Liveness for load balancers and docker-compose: no database, no templates."""
    return HttpResponse("ok", content_type="text/plain")


class StanceLoginView(auth_views.LoginView):
    """Log in with an email address and password. django-axes counts failures per
    address and connection (settings.AXES_*); staff then verify a second factor
    (clinic.accounts.middleware.StaffMFAMiddleware)."""

    authentication_form = EmailAuthenticationForm
    redirect_authenticated_user = True

    def get_default_redirect_url(self) -> str:
        """Staff land on today's calendar, patients where they always have; a safe `next`
        still wins (LoginView checks it before asking here)."""
        if is_staff(self.request.user):
            return resolve_url(STAFF_LANDING)
        return super().get_default_redirect_url()


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """404: the API answers in JSON, like its other errors (for example an appointment
    address that is not a UUID); pages get the ordinary "Page not found" page."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "Not found."}, status=404)
    return defaults.page_not_found(request, exception or Http404())
