"""The receipt acknowledges a complaint as a complaint ("We have received your complaint").

Its subject and bodies are replaced only where they are still the wording vocloop shipped
before: an edited receipt is the quality manager's, and is left as it is (it can tell a
complaint apart with {{ kind }}, "complaint" for one).
"""

from django.db import migrations

KIND = "customer_receipt"

SUBJECT_BEFORE = "We received your feedback – reference {{ reference }}"
TEXT_BEFORE = (
    "{% if customer_name %}Dear {{ customer_name }},{% else %}Hello,{% endif %}\n\n"
    "Thank you for your feedback. Its reference is {{ reference }}.\n{% if case %}\n"
    "We have passed it to our {{ team }} team, who will look into it and keep you informed.\n"
    "{% endif %}\nYou can follow it, and write to us about it, here:\n{{ tracking_url }}\n"
    "{% if confirm_url %}\nWould you like to hear from us by email as it goes on? Confirm this "
    "is your address to get updates on {{ reference }}:\n{{ confirm_url }}\nUntil you do, we "
    "send nothing more to this address. The link works for {{ confirm_days }} days.\n"
    "{% endif %}\n{{ organisation_name }}\n"
)
HTML_BEFORE = (
    '{% extends "notifications/email/_layout.html" %}\n{% block content %}\n'
    "<p>{% if customer_name %}Dear {{ customer_name }},{% else %}Hello,{% endif %}</p>\n"
    "<p>Thank you for your feedback. Its reference is <strong>{{ reference }}</strong>.</p>\n"
    "{% if case %}<p>We have passed it to our {{ team }} team, who will look into it and keep "
    "you informed.</p>{% endif %}\n"
    '<p><a href="{{ tracking_url }}">Follow your feedback and write to us about it</a></p>\n'
    "{% if confirm_url %}<p>Would you like to hear from us by email as it goes on? "
    '<a href="{{ confirm_url }}">Confirm this is your address to get updates on '
    "{{ reference }}</a>.\nUntil you do, we send nothing more to this address. The link works "
    "for {{ confirm_days }} days.</p>{% endif %}\n{% endblock %}\n"
)


def reword(apps, schema_editor):
    from vocloop.notifications.emails import KINDS, default_sources

    EmailTemplate = apps.get_model("notifications", "EmailTemplate")
    receipt = EmailTemplate.objects.filter(kind=KIND).first()
    if receipt is None:
        return
    subject, body_text, body_html = default_sources(KIND)
    if receipt.subject == SUBJECT_BEFORE:
        receipt.subject = subject
    if receipt.body_text == TEXT_BEFORE:
        receipt.body_text = body_text
    if receipt.body_html == HTML_BEFORE:
        receipt.body_html = body_html
    receipt.description = KINDS[KIND]
    receipt.save()


class Migration(migrations.Migration):
    dependencies = [("notifications", "0005_updates_email_wording")]

    operations = [migrations.RunPython(reword, migrations.RunPython.noop)]
