"""URLs of the prescriptions app. Each views module owns its patterns."""

from prescriptions.views import assessments

app_name = "prescriptions"

urlpatterns = assessments.urlpatterns
