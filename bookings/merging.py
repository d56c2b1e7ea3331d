"""Bookings' rows that follow a possible duplicate into its original (clinic/merging.py)."""

from bookings.models import Appointment, Notification, ScreeningEnquiry
from clinic.merging import patient_rows_register

patient_rows_register(Appointment, Notification, ScreeningEnquiry)
