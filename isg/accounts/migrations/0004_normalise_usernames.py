"""Usernames are now stored NFKC and lower-case (isg/accounts/usernames.py), and sign-in looks them up
so: each existing username is rewritten to that form. Two that would become the same are left as they
are and named here, for an administrator to rename one of them in the admin."""

import unicodedata

from django.db import migrations


def normalise(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    taken = set(User.objects.values_list("username", flat=True))
    for pk, username in User.objects.values_list("pk", "username").order_by("pk"):
        wanted = unicodedata.normalize("NFKC", username).strip().lower()
        if wanted == username:
            continue
        if wanted in taken:
            print(f"\n  accounts: username of user {pk} left as it is: another account already has it in lower case")
            continue
        User.objects.filter(pk=pk).update(username=wanted)
        taken.discard(username)
        taken.add(wanted)


class Migration(migrations.Migration):

    dependencies = [
        ("accounts", "0003_must_change_password"),
    ]

    operations = [
        migrations.RunPython(normalise, migrations.RunPython.noop),
    ]
