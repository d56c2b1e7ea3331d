"""Referrals and funders (CLINICAL.md §17): who referred a patient, under which funder,
for how many services and until when. The bottom layer, so bookings' appointments can be
funded under a referral; the usage counts that need appointments are in bookings/funding.py.
"""
