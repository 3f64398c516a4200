"""Seed the wording of the email telling customers what changed because of what they said."""

from django.db import migrations

KIND = "customer_action_standardised"


def seed(apps, schema_editor):
    from vocloop.notifications.emails import KINDS, default_sources

    EmailTemplate = apps.get_model("notifications", "EmailTemplate")
    subject, body_text, body_html = default_sources(KIND)
    EmailTemplate.objects.get_or_create(
        kind=KIND,
        defaults={
            "description": KINDS[KIND],
            "subject": subject,
            "body_text": body_text,
            "body_html": body_html,
        },
    )


class Migration(migrations.Migration):
    dependencies = [("notifications", "0007_action_checked_template")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
