"""The registry in the Django admin is for looking; corrections go through the application (services, audit)."""

from django.contrib import admin

from .models import Household, Membership, Person


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Person)
class PersonAdmin(ReadOnly):
    list_display = ("full_name", "birth_date", "sex", "personal_id", "commune")
    search_fields = ("name_folded", "personal_id", "si_number", "phone")
    list_select_related = ("commune",)


@admin.register(Household)
class HouseholdAdmin(ReadOnly):
    list_display = ("code", "commune", "head")
    search_fields = ("code",)


@admin.register(Membership)
class MembershipAdmin(ReadOnly):
    list_display = ("person", "household", "relation", "started_on", "ended_on")
