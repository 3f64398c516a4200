"""A failed webhook keeps its status code and no more: what receivers answered is removed.

Before, the first 200 bytes a receiver answered were kept with the failure and shown
in the settings area, so that a subscription pointed at an internal service read
that service back. Failures written so since are "HTTP <code> from <url>: <answer>";
each becomes the fixed wording the sender writes now.
"""

import re

from django.db import migrations

ANSWERED = re.compile(r"WebhookFailed: HTTP (\d{3}) from ")


def forget_answers(apps, schema_editor):
    OutboxMessage = apps.get_model("notifications", "OutboxMessage")
    failed = OutboxMessage.objects.filter(
        channel="webhook", last_error__startswith="WebhookFailed: HTTP "
    )
    for message in failed.only("pk", "last_error").iterator():
        found = ANSWERED.match(message.last_error)
        code = found.group(1) if found else "error"
        message.last_error = f"WebhookFailed: The receiver answered HTTP {code}."
        message.save(update_fields=["last_error"])


class Migration(migrations.Migration):
    dependencies = [("notifications", "0010_digest_objective_reviews")]

    operations = [migrations.RunPython(forget_answers, migrations.RunPython.noop)]
