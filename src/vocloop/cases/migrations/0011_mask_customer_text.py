"""Mask what customers wrote into cases before their text was masked on arrival.

Follow-up messages and "not satisfied" reasons are masked as they are stored now;
those stored earlier still held any card number, phone or email the customer typed.
Masking twice changes nothing, so this may run over text masked already.
"""

from django.db import migrations

from vocloop.text.masking import mask

BATCH = 1000


def mask_customer_text(apps, schema_editor):
    CaseEvent = apps.get_model("cases", "CaseEvent")
    written = CaseEvent.objects.filter(actor_kind="customer").exclude(body="").order_by("pk")
    changed = []
    for event in written.only("pk", "body").iterator(chunk_size=BATCH):
        masked = mask(event.body).text
        if masked != event.body:
            event.body = masked
            changed.append(event)
        if len(changed) == BATCH:
            CaseEvent.objects.bulk_update(changed, ["body"])
            changed = []
    CaseEvent.objects.bulk_update(changed, ["body"])


class Migration(migrations.Migration):
    dependencies = [("cases", "0010_case_backlog_index")]

    operations = [migrations.RunPython(mask_customer_text, migrations.RunPython.noop)]
