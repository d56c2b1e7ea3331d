from django.urls import path

from clinic.accounts import views

app_name = "accounts"

urlpatterns = [
    path("two-step/", views.mfa_overview, name="mfa"),
    path("two-step/set-up/", views.mfa_setup, name="mfa-setup"),
    path("two-step/verify/", views.mfa_verify_view, name="mfa-verify"),
    path("two-step/backup-codes/", views.mfa_backup_codes, name="mfa-backup-codes"),
]
