"""The staff digest reminds owners of objectives due for their review
(improvement/reviews.py).

The bodies are replaced only where they are still the wording vocloop shipped before: an
edited digest is the quality manager's, and is left as it is.
"""

from django.db import migrations

KIND = "staff_digest"

TEXT_BEFORE = "{{ recipient_name }},\n{% if breached %}\nBreached – past their deadline:\n{% for row in breached %}- {{ row.case.reference }} ({{ row.case.team.name }}, {{ row.case.get_severity_display|lower }}): {{ row.step }} by {{ row.deadline|date:\"j M, H:i T\" }}{% if row.assignee %}, {{ row.assignee }}{% endif %}\n  {{ row.url }}\n{% endfor %}{% endif %}{% if due %}\nDue in the next 24 hours:\n{% for row in due %}- {{ row.case.reference }} ({{ row.case.team.name }}, {{ row.case.get_severity_display|lower }}): {{ row.step }} by {{ row.deadline|date:\"j M, H:i T\" }}{% if row.assignee %}, {{ row.assignee }}{% endif %}\n  {{ row.url }}\n{% endfor %}{% endif %}\n{% if objectives_at_risk %}\nYour objectives at risk or off track:\n{% for row in objectives_at_risk %}- {{ row.objective.title }} ({{ row.status }}): {{ row.sentence }}\n  {{ row.url }}\n{% endfor %}{% endif %}{% if actions_overdue %}\nYour improvement actions past their due date:\n{% for row in actions_overdue %}- {{ row.action.title }} ({{ row.action.get_phase_display }}), due {{ row.action.due_on|date:\"j M Y\" }}\n  {{ row.url }}\n{% endfor %}{% endif %}{% if actions_checked %}\nYour improvement actions whose check has concluded:\n{% for row in actions_checked %}- {{ row.action.title }}: {{ row.action.verdict_text|default:row.action.verdict }}\n  {{ row.url }}\n{% endfor %}{% endif %}\n"
HTML_BEFORE = "{% extends \"notifications/email/_layout.html\" %}\n{% block content %}\n<p>{{ recipient_name }},</p>\n{% if breached %}<h2 style=\"font-size: 1.1em;\">Breached – past their deadline</h2>\n<ul>{% for row in breached %}<li><a href=\"{{ row.url }}\">{{ row.case.reference }}</a> ({{ row.case.team.name }}, {{ row.case.get_severity_display|lower }}): {{ row.step }} by {{ row.deadline|date:\"j M, H:i T\" }}{% if row.assignee %}, {{ row.assignee }}{% endif %}</li>{% endfor %}</ul>{% endif %}\n{% if due %}<h2 style=\"font-size: 1.1em;\">Due in the next 24 hours</h2>\n<ul>{% for row in due %}<li><a href=\"{{ row.url }}\">{{ row.case.reference }}</a> ({{ row.case.team.name }}, {{ row.case.get_severity_display|lower }}): {{ row.step }} by {{ row.deadline|date:\"j M, H:i T\" }}{% if row.assignee %}, {{ row.assignee }}{% endif %}</li>{% endfor %}</ul>{% endif %}\n{% if objectives_at_risk %}<h2 style=\"font-size: 1.1em;\">Your objectives at risk or off track</h2>\n<ul>{% for row in objectives_at_risk %}<li><a href=\"{{ row.url }}\">{{ row.objective.title }}</a> ({{ row.status }}): {{ row.sentence }}</li>{% endfor %}</ul>{% endif %}\n{% if actions_overdue %}<h2 style=\"font-size: 1.1em;\">Your improvement actions past their due date</h2>\n<ul>{% for row in actions_overdue %}<li><a href=\"{{ row.url }}\">{{ row.action.title }}</a> ({{ row.action.get_phase_display }}), due {{ row.action.due_on|date:\"j M Y\" }}</li>{% endfor %}</ul>{% endif %}\n{% if actions_checked %}<h2 style=\"font-size: 1.1em;\">Your improvement actions whose check has concluded</h2>\n<ul>{% for row in actions_checked %}<li><a href=\"{{ row.url }}\">{{ row.action.title }}</a>: {{ row.action.verdict_text|default:row.action.verdict }}</li>{% endfor %}</ul>{% endif %}\n{% endblock %}\n"


def reword(apps, schema_editor):
    from vocloop.notifications.emails import KINDS, default_sources

    EmailTemplate = apps.get_model("notifications", "EmailTemplate")
    digest = EmailTemplate.objects.filter(kind=KIND).first()
    if digest is None:
        return
    _, body_text, body_html = default_sources(KIND)
    if digest.body_text == TEXT_BEFORE:
        digest.body_text = body_text
    if digest.body_html == HTML_BEFORE:
        digest.body_html = body_html
    digest.description = KINDS[KIND]
    digest.save()


class Migration(migrations.Migration):
    dependencies = [("notifications", "0009_digest_improvement_wording")]

    operations = [migrations.RunPython(reword, migrations.RunPython.noop)]
