from django.contrib import admin

from .forms import AgencyForm
from .models import Agency


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin):
    form = AgencyForm  # names refuse markup and hidden characters (isg.lib.text)
    list_display = ["name", "kind"]
    prepopulated_fields = {"slug": ["name"]}

    def has_delete_permission(self, request, obj=None) -> bool:
        # An agency's decisions and staff keep it; Django's delete page would also list those
        # decisions (case references) to an administrator, who must never read case content.
        return False
