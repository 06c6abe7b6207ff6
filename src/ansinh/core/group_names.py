"""Translatable names of the rules' group codes: for pages, documents and the services' refusals in words."""

from __future__ import annotations

from django.utils.translation import gettext_lazy

HI_GROUP_LABELS = {
    "household": gettext_lazy("Household scheme"),
    "poor": gettext_lazy("Poor household"),
    "near_poor": gettext_lazy("Near-poor household"),
    "near_poor_poor_commune": gettext_lazy("Near-poor household in a poor commune"),
    "child_under_6": gettext_lazy("Child under 6"),
    "student": gettext_lazy("Pupil or student"),
    "ethnic_minority_listed_commune": gettext_lazy("Ethnic minority in a listed difficult commune"),
    "ethnic_minority_left_list": gettext_lazy("Ethnic minority in a commune that left the difficult list"),
    "atk_commune": gettext_lazy("Resident of a revolutionary safe-zone (ATK) commune"),
    "agricultural_average": gettext_lazy(
        "Agricultural, forestry, fishery or salt household (average living standard)"
    ),
    "social_assistance": gettext_lazy("Social-assistance beneficiary"),
    "trafficking_victim": gettext_lazy("Victim of human trafficking (first year)"),
    "grassroots_security": gettext_lazy("Grassroots security force"),
    "village_health_worker": gettext_lazy("Village health worker or midwife"),
    "part_time_village_worker": gettext_lazy("Part-time worker of a village"),
    "artisan": gettext_lazy("People's or Meritorious Artisan"),
    # Recorded from the agency's lists, never sold by ansinh (enrollment.external).
    "employee": gettext_lazy("Employee (paid with the employer)"),
    "pension_recipient": gettext_lazy("Pension or benefit recipient"),
    "other": gettext_lazy("Other group (agency list)"),
}

VSI_GROUP_LABELS = {
    "other": gettext_lazy("Everyone else"),
    "poor": gettext_lazy("Poor household"),
    "near_poor": gettext_lazy("Near-poor household"),
    "ethnic_minority": gettext_lazy("Ethnic minority"),
    "island": gettext_lazy("Resident of an island commune or special zone"),
}


def hi_group_label(code: str) -> str:
    return str(HI_GROUP_LABELS.get(code, code))


def vsi_group_label(code: str) -> str:
    return str(VSI_GROUP_LABELS.get(code, code))
