import datetime as dt

from django.db import migrations

HOUR = dt.timedelta(hours=1)
# Working time, on the default calendar's 8-hour days.
POLICIES = [
    ("Critical", "critical", 1 * HOUR, 8 * HOUR),
    ("High", "high", 4 * HOUR, 16 * HOUR),
    ("Normal", "normal", 8 * HOUR, 40 * HOUR),
    ("Low", "low", 16 * HOUR, 80 * HOUR),
]


def create(apps, schema_editor):
    BusinessCalendar = apps.get_model("slas", "BusinessCalendar")
    SlaPolicy = apps.get_model("slas", "SlaPolicy")
    if not BusinessCalendar.objects.filter(is_default=True).exists():
        week = {day: "09:00-17:00" for day in ("monday", "tuesday", "wednesday", "thursday", "friday")}
        BusinessCalendar.objects.create(
            name="Standard business hours", time_zone="UTC", is_default=True, **week
        )
    if not SlaPolicy.objects.exists():
        for name, severity, acknowledge, resolve in POLICIES:
            SlaPolicy.objects.create(
                name=f"{name} (default)",
                severity=severity,
                acknowledge_within=acknowledge,
                resolve_within=resolve,
            )


class Migration(migrations.Migration):
    dependencies = [("slas", "0001_initial")]
    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
