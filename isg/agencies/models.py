from django.db import models


class Agency(models.Model):
    """An organisation in the safeguarding partnership; decisions and staff belong to one."""

    name = models.CharField(max_length=200, unique=True)
    slug = models.SlugField(max_length=60, unique=True)
    kind = models.CharField(max_length=100, blank=True, help_text="For example police, health, education.")

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "agencies"

    def __str__(self) -> str:
        return self.name
