"""The staff digest tells owners of objectives and actions what needs them
(improvement/digest.py): objectives at risk or off track, actions overdue or checked.

Its subject and bodies are replaced only where they are still the wording vocloop shipped
before: an edited digest is the quality manager's, and is left as it is.
"""

from django.db import migrations

KIND = "staff_digest"

SUBJECT_BEFORE = 'Your cases on {{ date|date:"j M Y" }}: {{ breached|length }} breached, {{ due|length }} due within a day'
TEXT_BEFORE = '{{ recipient_name }},\n{% if breached %}\nBreached – past their deadline:\n{% for row in breached %}- {{ row.case.reference }} ({{ row.case.team.name }}, {{ row.case.get_severity_display|lower }}): {{ row.step }} by {{ row.deadline|date:"j M, H:i T" }}{% if row.assignee %}, {{ row.assignee }}{% endif %}\n  {{ row.url }}\n{% endfor %}{% endif %}{% if due %}\nDue in the next 24 hours:\n{% for row in due %}- {{ row.case.reference }} ({{ row.case.team.name }}, {{ row.case.get_severity_display|lower }}): {{ row.step }} by {{ row.deadline|date:"j M, H:i T" }}{% if row.assignee %}, {{ row.assignee }}{% endif %}\n  {{ row.url }}\n{% endfor %}{% endif %}\n'
HTML_BEFORE = '{% extends "notifications/email/_layout.html" %}\n{% block content %}\n<p>{{ recipient_name }},</p>\n{% if breached %}<h2 style="font-size: 1.1em;">Breached – past their deadline</h2>\n<ul>{% for row in breached %}<li><a href="{{ row.url }}">{{ row.case.reference }}</a> ({{ row.case.team.name }}, {{ row.case.get_severity_display|lower }}): {{ row.step }} by {{ row.deadline|date:"j M, H:i T" }}{% if row.assignee %}, {{ row.assignee }}{% endif %}</li>{% endfor %}</ul>{% endif %}\n{% if due %}<h2 style="font-size: 1.1em;">Due in the next 24 hours</h2>\n<ul>{% for row in due %}<li><a href="{{ row.url }}">{{ row.case.reference }}</a> ({{ row.case.team.name }}, {{ row.case.get_severity_display|lower }}): {{ row.step }} by {{ row.deadline|date:"j M, H:i T" }}{% if row.assignee %}, {{ row.assignee }}{% endif %}</li>{% endfor %}</ul>{% endif %}\n{% endblock %}\n'


def reword(apps, schema_editor):
    from vocloop.notifications.emails import KINDS, default_sources

    EmailTemplate = apps.get_model("notifications", "EmailTemplate")
    digest = EmailTemplate.objects.filter(kind=KIND).first()
    if digest is None:
        return
    subject, body_text, body_html = default_sources(KIND)
    if digest.subject == SUBJECT_BEFORE:
        digest.subject = subject
    if digest.body_text == TEXT_BEFORE:
        digest.body_text = body_text
    if digest.body_html == HTML_BEFORE:
        digest.body_html = body_html
    digest.description = KINDS[KIND]
    digest.save()


class Migration(migrations.Migration):
    dependencies = [("notifications", "0008_action_standardised_template")]

    operations = [migrations.RunPython(reword, migrations.RunPython.noop)]
