from django.apps import AppConfig


class PrescriptionsConfig(AppConfig):
    name = "prescriptions"
    verbose_name = "Assessments and prescriptions"

    def ready(self) -> None:
        # Prescriptions sits above bookings: it adds its pre-visit questionnaire link to
        # booking confirmations here, so bookings never imports prescriptions.
        from bookings.calendar import (
            calendar_extras_register,
            calendar_flags_register,
            calendar_notices_register,
        )
        from bookings.emails import confirmation_extra_register
        from prescriptions.calendar_flags import calendar_patient_flags
        from prescriptions.notes.calendar import note_card_extras, notes_to_sign_notice
        from prescriptions.previsit.questionnaires import previsit_email_context

        confirmation_extra_register(previsit_email_context)
        calendar_flags_register(calendar_patient_flags)
        calendar_extras_register(note_card_extras)
        calendar_notices_register(notes_to_sign_notice)
