# The history kinds "review_flagged" and "review_flag_cleared" (isg/reviews). Choices only: no table change,
# so the append-only triggers on decisions_decisionevent stay as they are.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('decisions', '0007_withdrawn_status_and_kind'),
    ]

    operations = [
        migrations.AlterField(
            model_name='decisionevent',
            name='kind',
            field=models.CharField(choices=[('started', 'Started'), ('answered', 'Answered'), ('changed', 'Answer changed'), ('dropped', 'Answer no longer on the path'), ('urgent', 'Urgent button pressed'), ('record_updated', 'Record details updated'), ('submitted', 'Submitted'), ('superseded', 'Restarted under a newer flowchart'), ('returned', 'Returned for more information'), ('return_answered', 'Question from the approver answered'), ('resubmitted', 'Resubmitted for approval'), ('approved', 'Approved'), ('not_approved', 'Not approved'), ('referred_up', 'Not agreed: escalated to the next approver'), ('review_agreed', 'Agreed on review after sharing'), ('review_disagreed', 'Disagreed on review after sharing'), ('follow_up_opened', 'Follow-up opened'), ('follow_up_completed', 'Follow-up completed'), ('overdue_escalated', 'Approval overdue: escalated'), ('escalated', 'Escalated: still open'), ('resolved', 'Resolved by a follow-up decision'), ('amended', 'Amended'), ('viewed', 'Viewed'), ('exported', 'Exported'), ('handed_over', 'Handed over to another approver'), ('withdrawn', 'Withdrawn: submitted in error'), ('review_flagged', 'Flagged for review'), ('review_flag_cleared', 'Review flag cleared')], max_length=30),
        ),
    ]
