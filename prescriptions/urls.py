"""URLs of the prescriptions app (staff pages for assessments)."""

from django.urls import path

from prescriptions import views

app_name = "prescriptions"

urlpatterns = [
    path(
        "staff/patients/<uuid:patient_code>/assessments/new/",
        views.assessment_new,
        name="assessment-new",
    ),
    path("staff/assessments/<uuid:code>/", views.assessment_detail, name="assessment-detail"),
    path("staff/assessments/<uuid:code>/edit/", views.assessment_edit, name="assessment-edit"),
    path("staff/assessments/<uuid:code>/sign/", views.assessment_sign_view, name="assessment-sign"),
    path(
        "staff/assessments/<uuid:code>/amend/",
        views.assessment_amend_view,
        name="assessment-amend",
    ),
]
