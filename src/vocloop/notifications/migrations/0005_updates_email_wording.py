"""The wording of the confirmation email for updates, and the receipt's link to confirm.

The receipt's bodies are replaced only where they are still the wording vocloop
shipped before: an edited receipt is the quality manager's, and is left as it is
(it can add the link as {{ confirm_url }}).
"""

from django.db import migrations

KIND = "customer_confirm_updates"

RECEIPT_TEXT_BEFORE = (
    "{% if customer_name %}Dear {{ customer_name }},{% else %}Hello,{% endif %}\n\n"
    "Thank you for your feedback. Its reference is {{ reference }}.\n{% if case %}\n"
    "We have passed it to our {{ team }} team, who will look into it and keep you informed.\n"
    "{% endif %}\nYou can follow it, and write to us about it, here:\n{{ tracking_url }}\n\n"
    "{{ organisation_name }}\n"
)
RECEIPT_HTML_BEFORE = (
    '{% extends "notifications/email/_layout.html" %}\n{% block content %}\n'
    "<p>{% if customer_name %}Dear {{ customer_name }},{% else %}Hello,{% endif %}</p>\n"
    "<p>Thank you for your feedback. Its reference is <strong>{{ reference }}</strong>.</p>\n"
    "{% if case %}<p>We have passed it to our {{ team }} team, who will look into it and keep "
    "you informed.</p>{% endif %}\n"
    '<p><a href="{{ tracking_url }}">Follow your feedback and write to us about it</a></p>\n'
    "{% endblock %}\n"
)


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
    receipt = EmailTemplate.objects.filter(kind="customer_receipt").first()
    if receipt is None:
        return
    _, body_text, body_html = default_sources("customer_receipt")
    if receipt.body_text == RECEIPT_TEXT_BEFORE:
        receipt.body_text = body_text
    if receipt.body_html == RECEIPT_HTML_BEFORE:
        receipt.body_html = body_html
    receipt.description = KINDS["customer_receipt"]
    receipt.save()


class Migration(migrations.Migration):
    dependencies = [("notifications", "0004_updates_subscriptions")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
