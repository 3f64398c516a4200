"""Seed the wording of the email telling an action's owner that its check has concluded."""

from django.db import migrations

KIND = "staff_action_checked"


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
    dependencies = [("notifications", "0006_receipt_wording_by_kind")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
