"""Pages of the booking app at the site's root names (no `bookings:` namespace): the home
page and the API's documentation. The root URLconf includes this by name, so the clinic
package does not import bookings."""

from django.urls import path

from bookings.api import api_docs
from bookings.views import public

urlpatterns = [
    path("", public.home, name="home"),
    path("api/docs/", api_docs, name="api-docs"),
]
