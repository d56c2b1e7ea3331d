from django.contrib.auth import views as auth_views
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.views import defaults

from clinic.accounts.forms import EmailAuthenticationForm


def healthz(request: HttpRequest) -> HttpResponse:
    """Liveness for load balancers and docker-compose: no database, no templates."""
    return HttpResponse("ok", content_type="text/plain")


class StanceLoginView(auth_views.LoginView):
    """Log in with an email address and password. django-axes counts failures per
    address and connection (settings.AXES_*); staff then verify a second factor
    (clinic.accounts.middleware.StaffMFAMiddleware)."""

    authentication_form = EmailAuthenticationForm
    redirect_authenticated_user = True


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """404: the API answers in JSON, like its other errors (for example an appointment
    address that is not a UUID); pages get the ordinary "Page not found" page."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "Not found."}, status=404)
    return defaults.page_not_found(request, exception or Http404())
