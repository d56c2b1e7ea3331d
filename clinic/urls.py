from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from drf_spectacular.views import SpectacularAPIView

from clinic import views
from clinic.accounts.forms import NewPasswordForm
from clinic.accounts.views import StancePasswordResetView

handler404 = "clinic.views.page_not_found"

urlpatterns = [
    path("", include("bookings.site_urls")),  # the home page; the API docs
    path("healthz", views.healthz, name="healthz"),
    path("accounts/login/", views.StanceLoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "accounts/password-reset/",
        StancePasswordResetView.as_view(),
        name="password_reset",
    ),
    path(
        "accounts/password-reset/sent/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "accounts/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(form_class=NewPasswordForm),
        name="password_reset_confirm",
    ),
    path(
        "accounts/reset/done/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("accounts/", include("clinic.accounts.urls")),
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("", include("clinic.audit_views")),
    path("", include("clinic.record_views")),
    path("", include("bookings.urls")),
    path("", include("prescriptions.urls")),
]
