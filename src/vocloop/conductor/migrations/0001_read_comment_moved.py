"""Readings queued before the upgrade run from their new home.

An arriving comment's reading task moved from vocloop.insights.tasks to
vocloop.conductor.reading; the database queue names tasks by their path, so those
still waiting are pointed at the new one instead of failing once the upgrade is in.
"""

from django.db import migrations

MOVED = {"vocloop.insights.tasks.read_comment": "vocloop.conductor.reading.read_comment"}


def forwards(apps, schema_editor):
    results = apps.get_model("django_tasks_database", "DBTaskResult")
    for old, new in MOVED.items():
        results.objects.filter(task_path=old).update(task_path=new)


def backwards(apps, schema_editor):
    results = apps.get_model("django_tasks_database", "DBTaskResult")
    for old, new in MOVED.items():
        results.objects.filter(task_path=new).update(task_path=old)


class Migration(migrations.Migration):
    dependencies = [("django_tasks_database", "0021_conditional_partial_index_ordering")]
    operations = [migrations.RunPython(forwards, backwards)]
