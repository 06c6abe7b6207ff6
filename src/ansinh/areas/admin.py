from django.contrib import admin

from .models import Area


@admin.register(Area)
class AreaAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "level", "kind", "province_code")
    list_filter = ("level",)
    search_fields = ("code", "name", "name_folded")
    readonly_fields = ("code", "level", "parent", "path", "province_code")
    ordering = ("path",)

    def has_delete_permission(self, request, obj=None):
        return False  # official units are loaded, villages are referenced by people
