# The directory of organisations (isg/directory/models.py).

import django.db.models.deletion
import django.db.models.functions.text
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('agencies', '0001_initial'),
    ]

    operations = [
        migrations.CreateModel(
            name='Organisation',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('name', models.CharField(max_length=200)),
                ('kind', models.CharField(choices=[('member_agency', 'Member agency of the partnership'), ('childrens_social_care', "Children's social care"), ('adults_social_care', "Adults' social care"), ('police', 'Police'), ('health', 'Health'), ('school', 'School or college'), ('charity_or_voluntary', 'Charity or voluntary organisation'), ('housing', 'Housing'), ('other', 'Other')], max_length=30)),
                ('secure_contact_routes', models.TextField(blank=True, help_text='How to send to them securely: a secure email address, a portal, a phone number.')),
                ('is_active', models.BooleanField(default=True, verbose_name='on the directory')),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('updated_at', models.DateTimeField(auto_now=True)),
                ('agency', models.ForeignKey(blank=True, help_text="Member agencies only: the partnership's agency this is.", null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='agencies.agency')),
            ],
            options={
                'ordering': ['name'],
                'constraints': [models.UniqueConstraint(django.db.models.functions.text.Lower('name'), name='organisation_name_unique'), models.UniqueConstraint(condition=models.Q(('agency__isnull', False)), fields=('agency',), name='one_organisation_per_agency'), models.CheckConstraint(condition=models.Q(models.Q(('agency__isnull', False), ('kind', 'member_agency')), models.Q(models.Q(('kind', 'member_agency'), _negated=True), ('agency__isnull', True)), _connector='OR'), name='member_agencies_and_only_they_have_an_agency')],
            },
        ),
    ]
