"""URLs of the prescriptions app. Each views module owns its patterns."""

from prescriptions.views import assessments, library, patient_programme, programmes

app_name = "prescriptions"

urlpatterns = (
    assessments.urlpatterns
    + patient_programme.urlpatterns
    + programmes.urlpatterns
    + library.urlpatterns
)
