"""Every agency already in the partnership is listed in the directory as a member agency."""

from django.db import migrations


def list_member_agencies(apps, schema_editor):
    Agency = apps.get_model("agencies", "Agency")
    Organisation = apps.get_model("directory", "Organisation")
    listed = set(Organisation.objects.filter(agency__isnull=False).values_list("agency_id", flat=True))
    taken = {name.lower() for name in Organisation.objects.values_list("name", flat=True)}
    for agency in Agency.objects.order_by("pk"):
        if agency.pk in listed:
            continue
        name = agency.name if agency.name.lower() not in taken else f"{agency.name} ({agency.slug})"
        Organisation.objects.create(name=name, kind="member_agency", agency=agency)
        taken.add(name.lower())


class Migration(migrations.Migration):
    dependencies = [("directory", "0001_initial")]

    operations = [migrations.RunPython(list_member_agencies, migrations.RunPython.noop)]
