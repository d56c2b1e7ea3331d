"""URLs of the bookings app: the public booking flow, patients' own pages, staff pages
and the JSON API. Each views module owns its patterns."""

from bookings import api
from bookings.views import (
    calendar,
    closures,
    notifications,
    patient,
    public,
    referrals,
    series,
    settings,
    staff,
    waitlist,
)

app_name = "bookings"

urlpatterns = public.urlpatterns + patient.urlpatterns + staff.urlpatterns + api.urlpatterns
urlpatterns += notifications.urlpatterns + calendar.urlpatterns + settings.urlpatterns
urlpatterns += series.urlpatterns + waitlist.urlpatterns + closures.urlpatterns
urlpatterns += referrals.urlpatterns
