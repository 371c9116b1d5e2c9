from django.db import models


class FlowchartVersion(models.Model):
    """Every flowchart file a decision was ever made under, kept so old decisions still display."""

    sha256 = models.CharField(max_length=64, primary_key=True)
    version = models.CharField(max_length=50)
    title = models.CharField(max_length=300)
    content = models.BinaryField()
    first_used_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-first_used_at"]

    def __str__(self) -> str:
        return f"{self.version} ({self.sha256[:12]})"
