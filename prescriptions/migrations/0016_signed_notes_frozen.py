"""A signed treatment note and its addenda cannot be changed or deleted, whoever writes
(PostgreSQL triggers; the services refuse the same on any database). Only the patient a
note belongs to may change, so joining a duplicate patient record still moves it."""

from django.db import migrations

FROZEN_SQL = """
CREATE OR REPLACE FUNCTION prescriptions_signed_note_frozen() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.status = 'signed' THEN
        IF TG_OP = 'DELETE' THEN
            RAISE EXCEPTION 'a signed treatment note cannot be deleted'
                USING ERRCODE = 'integrity_constraint_violation';
        END IF;
        IF (NEW.status, NEW.subjective, NEW.objective, NEW.assessment, NEW.plan,
            NEW.started_at, NEW.ended_at, NEW.mode, NEW.programme_changes::text,
            NEW.figures::text, NEW.goal_progress::text, NEW.author_id, NEW.appointment_id,
            NEW.signed_at, NEW.signed_by_id)
           IS DISTINCT FROM
           (OLD.status, OLD.subjective, OLD.objective, OLD.assessment, OLD.plan,
            OLD.started_at, OLD.ended_at, OLD.mode, OLD.programme_changes::text,
            OLD.figures::text, OLD.goal_progress::text, OLD.author_id, OLD.appointment_id,
            OLD.signed_at, OLD.signed_by_id) THEN
            RAISE EXCEPTION 'a signed treatment note cannot be changed: add an addendum'
                USING ERRCODE = 'integrity_constraint_violation';
        END IF;
        RETURN NEW;
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER prescriptions_signed_note_frozen
    BEFORE UPDATE OR DELETE ON prescriptions_treatmentnote
    FOR EACH ROW EXECUTE FUNCTION prescriptions_signed_note_frozen();

CREATE OR REPLACE FUNCTION prescriptions_note_addendum_frozen() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'a note addendum cannot be deleted'
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    IF (NEW.note_id, NEW.kind, NEW.text, NEW.author_id, NEW.created_at)
       IS DISTINCT FROM (OLD.note_id, OLD.kind, OLD.text, OLD.author_id, OLD.created_at) THEN
        RAISE EXCEPTION 'a note addendum cannot be changed'
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER prescriptions_note_addendum_frozen
    BEFORE UPDATE OR DELETE ON prescriptions_noteaddendum
    FOR EACH ROW EXECUTE FUNCTION prescriptions_note_addendum_frozen();
"""
DROP_SQL = """
DROP TRIGGER IF EXISTS prescriptions_signed_note_frozen ON prescriptions_treatmentnote;
DROP FUNCTION IF EXISTS prescriptions_signed_note_frozen();
DROP TRIGGER IF EXISTS prescriptions_note_addendum_frozen ON prescriptions_noteaddendum;
DROP FUNCTION IF EXISTS prescriptions_note_addendum_frozen();
"""


def _on_postgresql(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("prescriptions", "0015_treatment_notes_and_goals"),
    ]

    operations = [
        migrations.RunPython(_on_postgresql(FROZEN_SQL), _on_postgresql(DROP_SQL)),
    ]
