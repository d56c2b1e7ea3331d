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
        from bookings.emails import confirmation_extra_register, letter_parts_register
        from clinic.audit import RECORD_TYPE_LABELS
        from prescriptions.calendar_flags import calendar_patient_flags
        from prescriptions.letters.services import letter_email_parts
        from prescriptions.notes.calendar import note_card_extras, notes_to_sign_notice
        from prescriptions.previsit.questionnaires import previsit_email_context

        confirmation_extra_register(previsit_email_context)
        calendar_flags_register(calendar_patient_flags)
        # Letters to other practitioners are rendered here (with their PDF) when the
        # outbox sends them; the access log names their records.
        letter_parts_register(letter_email_parts)
        RECORD_TYPE_LABELS.setdefault("prescriptions.letter", "Letter")
        RECORD_TYPE_LABELS.setdefault("prescriptions.caseconference", "Case conference")
        calendar_extras_register(note_card_extras)
        calendar_notices_register(notes_to_sign_notice)
