"""Bookings' rows that follow a possible duplicate into its original (clinic/merging.py).
Referrals follow too (their visits do); services used elsewhere, one row per patient and
year, stay with the duplicate rather than collide with the original's."""

from bookings.models import Appointment, Notification, ScreeningEnquiry
from clinic.merging import patient_rows_register
from clinic.models import Referral

patient_rows_register(Appointment, Notification, ScreeningEnquiry, Referral)
