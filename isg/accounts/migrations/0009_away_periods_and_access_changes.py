# Away periods (isg/accounts/away.py), the partnership lead flag and access changes waiting for a second person.

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0008_data_protection_officer_role'),
    ]

    operations = [
        migrations.AddField(
            model_name='user',
            name='is_partnership_lead',
            field=models.BooleanField(default=False, help_text='Partnership (LSCB) staff only: may confirm or refuse a change that gives someone access to case records, and is emailed when one is asked for (isg/accounts/access_changes.py).', verbose_name='partnership lead'),
        ),
        migrations.AlterField(
            model_name='user',
            name='is_away',
            field=models.BooleanField(default=False, help_text='Away today (leave, absence), from their away periods: approvals go to their deputy, else another manager of the agency.', verbose_name='away today'),
        ),
        migrations.CreateModel(
            name='AccessChange',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('changes', models.JSONField()),
                ('requested_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('status', models.CharField(choices=[('waiting', 'Waiting for confirmation'), ('confirmed', 'Confirmed'), ('refused', 'Refused'), ('withdrawn', 'Withdrawn')], default='waiting', max_length=20)),
                ('decided_at', models.DateTimeField(blank=True, null=True)),
                ('decided_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('person', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='access_changes', to=settings.AUTH_USER_MODEL)),
                ('requested_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'ordering': ['-requested_at', '-pk'],
                'constraints': [models.UniqueConstraint(condition=models.Q(('status', 'waiting')), fields=('person',), name='one_waiting_access_change')],
            },
        ),
        migrations.CreateModel(
            name='AwayPeriod',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('starts_on', models.DateField()),
                ('ends_on', models.DateField(blank=True, help_text='Their last day away; empty when not known.', null=True)),
                ('reason', models.CharField(blank=True, help_text='Optional and short, such as “annual leave”.', max_length=100)),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('ended_on', models.DateField(blank=True, help_text='Ended early: the first day they are back.', null=True)),
                ('ended_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('set_by', models.ForeignKey(blank=True, help_text='Empty when made by a migration or a command.', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('user', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='away_periods', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'ordering': ['starts_on', 'pk'],
                'constraints': [models.CheckConstraint(condition=models.Q(('ends_on__isnull', True), ('ends_on__gte', models.F('starts_on')), _connector='OR'), name='away_ends_after_it_starts')],
            },
        ),
    ]
