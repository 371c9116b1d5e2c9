"""Anyone marked away by hand before away periods existed keeps being away: an open-ended period
from the day this runs, so the flag, now kept in step with the periods, is not cleared."""

from django.db import migrations
from django.utils import timezone

REASON = "Marked away before away periods"


def periods_for_flags(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    AwayPeriod = apps.get_model("accounts", "AwayPeriod")
    today = timezone.localdate()
    for user_id in User.objects.filter(is_away=True).values_list("pk", flat=True):
        AwayPeriod.objects.create(user_id=user_id, starts_on=today, ends_on=None, reason=REASON)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0009_away_periods_and_access_changes")]

    # Backwards the flags simply stay as they are today.
    operations = [migrations.RunPython(periods_for_flags, migrations.RunPython.noop)]
