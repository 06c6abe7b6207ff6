"""Django admin for administrators: users with their roles and areas, tokens, and the audit log (read-only).
Changes made here are audited like any other write."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from .audit import audit_record
from .models import ApiToken, Audit, AuditEvent, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ("username", "role", "area_list", "is_active", "last_login")
    list_filter = ("role", "is_active")
    autocomplete_fields = ("areas",)
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Work"), {"fields": ("role", "areas", "is_active")}),
        (_("Person"), {"fields": ("first_name", "last_name", "email")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("username", "password1", "password2", "role")}),
    )

    @admin.display(description=_("areas"))
    def area_list(self, obj):
        return ", ".join(a.name for a in obj.areas.all())

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("areas")

    def save_model(self, request, obj, form, change):
        obj.is_staff = obj.is_superuser = obj.role == "administrator"
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        user = form.instance
        audit_record(
            actor=request.user,
            action=Audit.USER_UPDATE if change else Audit.USER_CREATE,
            obj=user,
            after={
                "username": user.username,
                "role": user.role,
                "is_active": user.is_active,
                "areas": sorted(user.areas.values_list("code", flat=True)),
            },
        )


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("prefix", "user", "name", "created_at", "last_used_at", "revoked_at")
    readonly_fields = ("prefix", "digest", "created_at", "last_used_at")
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False  # tokens are created with `ansinh token create`, which shows the token once

    @admin.action(description=_("Revoke the selected tokens"))
    def revoke(self, request, queryset):
        from .services import token_revoke

        for token in queryset:
            token_revoke(actor=request.user, token=token)


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ("at", "actor", "action", "object_type", "object_id")
    list_filter = ("action", "object_type")
    search_fields = ("object_id", "actor__username")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
