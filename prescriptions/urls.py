"""URLs of the prescriptions app. Each views module owns its patterns."""

from prescriptions.views import (
    assessments,
    library,
    measures,
    patient_programme,
    previsit,
    programme_progress,
    programmes,
)

app_name = "prescriptions"

urlpatterns = (
    assessments.urlpatterns
    + measures.urlpatterns
    + previsit.urlpatterns
    + patient_programme.urlpatterns
    + programme_progress.urlpatterns
    + programmes.urlpatterns
    + library.urlpatterns
)
