# The status and history kind "withdrawn" (isg/approvals/withdrawal.py). Choices only: no table change,
# so the append-only triggers on decisions_decisionevent stay as they are.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('decisions', '0006_handed_over_kind'),
    ]

    operations = [
        migrations.AlterField(
            model_name='decision',
            name='status',
            field=models.CharField(choices=[('draft', 'Draft'), ('recorded', 'Recorded'), ('awaiting_approval', 'Waiting for approval'), ('returned', 'Returned for more information'), ('approved', 'Approved'), ('not_approved', 'Not approved'), ('awaiting_review', 'Shared: waiting for review'), ('agreed', 'Shared and agreed on review'), ('disagreed', 'Shared: the reviewer disagreed'), ('escalated', 'Escalated: still open'), ('resolved', 'Resolved by a follow-up decision'), ('superseded', 'Restarted under a newer flowchart'), ('withdrawn', 'Withdrawn: submitted in error')], default='draft', max_length=30),
        ),
        migrations.AlterField(
            model_name='decisionevent',
            name='kind',
            field=models.CharField(choices=[('started', 'Started'), ('answered', 'Answered'), ('changed', 'Answer changed'), ('dropped', 'Answer no longer on the path'), ('urgent', 'Urgent button pressed'), ('record_updated', 'Record details updated'), ('submitted', 'Submitted'), ('superseded', 'Restarted under a newer flowchart'), ('returned', 'Returned for more information'), ('return_answered', 'Question from the approver answered'), ('resubmitted', 'Resubmitted for approval'), ('approved', 'Approved'), ('not_approved', 'Not approved'), ('referred_up', 'Not agreed: escalated to the next approver'), ('review_agreed', 'Agreed on review after sharing'), ('review_disagreed', 'Disagreed on review after sharing'), ('follow_up_opened', 'Follow-up opened'), ('follow_up_completed', 'Follow-up completed'), ('overdue_escalated', 'Approval overdue: escalated'), ('escalated', 'Escalated: still open'), ('resolved', 'Resolved by a follow-up decision'), ('amended', 'Amended'), ('viewed', 'Viewed'), ('exported', 'Exported'), ('handed_over', 'Handed over to another approver'), ('withdrawn', 'Withdrawn: submitted in error')], max_length=30),
        ),
    ]
