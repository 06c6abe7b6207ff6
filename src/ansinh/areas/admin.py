from django.contrib import admin, messages
from django.http import HttpResponseRedirect

from ansinh.core.errors import ApplicationError

from .models import Area
from .services import area_rename


@admin.register(Area)
class AreaAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "level", "kind", "province_code")
    list_filter = ("level",)
    search_fields = ("code", "name", "name_folded")
    readonly_fields = ("code", "level", "parent", "path", "province_code")
    ordering = ("path",)

    def has_add_permission(self, request):
        return False  # units come from the official lists; villages from the page, through village_create

    def save_model(self, request, obj, form, change):
        """A correction goes through the service, so it is checked and audited like any other write."""
        try:
            area_rename(actor=request.user, area=Area.objects.get(pk=obj.pk), name=obj.name, kind=obj.kind)
        except ApplicationError as exc:
            request._area_refused = True
            self.message_user(request, exc.message, level=messages.ERROR)

    def response_change(self, request, obj):
        if getattr(request, "_area_refused", False):  # nothing was written: back to the form, with the reason
            return HttpResponseRedirect(request.path)
        return super().response_change(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False  # official units are loaded, villages are referenced by people
