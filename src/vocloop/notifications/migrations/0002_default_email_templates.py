"""Seed the editable email wording with vocloop's defaults (the files under templates/)."""

from django.db import migrations

from vocloop.notifications.emails import KINDS, default_sources


def seed(apps, schema_editor):
    EmailTemplate = apps.get_model("notifications", "EmailTemplate")
    for kind, description in KINDS.items():
        subject, body_text, body_html = default_sources(kind)
        EmailTemplate.objects.get_or_create(
            kind=kind,
            defaults={
                "description": description,
                "subject": subject,
                "body_text": body_text,
                "body_html": body_html,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("notifications", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
