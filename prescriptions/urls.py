"""URLs of the prescriptions app. Each area's views module owns its patterns."""

from prescriptions.assessments import views as assessments
from prescriptions.letters import views as letters
from prescriptions.library import views as library
from prescriptions.notes import views as notes
from prescriptions.outcomes import views as outcomes
from prescriptions.patient_programme import player as programme_player
from prescriptions.patient_programme import views as patient_programme
from prescriptions.previsit import views as previsit
from prescriptions.programmes import progress_views as programme_progress
from prescriptions.programmes import views as programmes
from prescriptions.screening import views as screening
from prescriptions.surgery import views as surgery

app_name = "prescriptions"

urlpatterns = (
    assessments.urlpatterns
    + outcomes.urlpatterns
    + screening.urlpatterns
    + surgery.urlpatterns
    + previsit.urlpatterns
    + patient_programme.urlpatterns
    + programme_player.urlpatterns
    + programme_progress.urlpatterns
    + programmes.urlpatterns
    + library.urlpatterns
    + letters.urlpatterns
    + notes.urlpatterns
)
