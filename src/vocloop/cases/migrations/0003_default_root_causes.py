from django.db import migrations

ROOT_CAUSES = [
    ("product", "Product"),
    ("process", "Process"),
    ("people", "People"),
    ("policy", "Policy"),
    ("communication", "Communication"),
    ("other", "Other"),
]


def create(apps, schema_editor):
    RootCause = apps.get_model("cases", "RootCause")
    for slug, name in ROOT_CAUSES:
        RootCause.objects.get_or_create(slug=slug, defaults={"name": name})
    Group = apps.get_model("auth", "Group")
    Group.objects.get_or_create(name="Quality managers")


class Migration(migrations.Migration):
    dependencies = [("cases", "0002_initial"), ("auth", "0012_alter_user_first_name_max_length")]
    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
