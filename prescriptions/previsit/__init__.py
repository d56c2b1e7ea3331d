"""Questionnaires a patient answers online before a visit, from the signed link in their
booking confirmation: what is offered (`questionnaires`), the forms and the pages."""
