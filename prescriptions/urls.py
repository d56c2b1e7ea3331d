"""URLs of the prescriptions app. Each views module owns its patterns."""

from prescriptions.views import assessments, patient_programme

app_name = "prescriptions"

urlpatterns = assessments.urlpatterns + patient_programme.urlpatterns
