"""Administrative areas: the current structure (province → commune, since 1 July 2025), the legacy one
(province → district → commune) and villages under current communes.

Codes are the official GSO codes: provinces 2 digits, legacy districts 3 digits, communes 5 digits.
A bare code names a unit of the current structure; legacy units carry the prefix ``legacy:`` because the two
lists reuse numbers for different places (current 15 is Lào Cai, legacy 15 was Yên Bái).

Subtrees are read through ``path`` (materialised path, indexed): ``/15/02269/`` and everything under it is the
index range [path, path + "~"), which both SQLite and PostgreSQL answer from the B-tree, without recursion.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

# The tree's shape (levels, code prefix, path end) is on the ground floor, where access needs it (ADR 0020).
from ansinh.core.area_tree import LEGACY_PREFIX as LEGACY_PREFIX
from ansinh.core.area_tree import PATH_END as PATH_END
from ansinh.core.area_tree import Level as Level
from ansinh.core.models import AuditAction

CURRENT_LEVELS = (Level.PROVINCE, Level.COMMUNE, Level.VILLAGE)


class Area(models.Model):
    code = models.CharField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)
    name_folded = models.CharField(max_length=200, db_index=True, editable=False)
    level = models.CharField(_("level"), max_length=20, choices=Level.choices, db_index=True)
    kind = models.CharField(_("kind"), max_length=30, blank=True)  # tinh, xa, phuong, thon, ban, huyen, ...
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    path = models.CharField(max_length=120, unique=True, editable=False)
    # The province the unit belongs to (its own code for a province); the distribution key at national scale.
    province_code = models.CharField(max_length=16, db_index=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["path"]
        verbose_name = _("area")
        verbose_name_plural = _("areas")

    def __str__(self) -> str:
        return self.name

    @property
    def is_legacy(self) -> bool:
        return self.code.startswith(LEGACY_PREFIX)

    def subtree_range(self) -> tuple[str, str]:
        return self.path, self.path + PATH_END


class AreaSuccession(models.Model):
    """The official old → new mapping: a legacy unit and the current unit(s) it became (part of)."""

    legacy = models.ForeignKey(Area, on_delete=models.CASCADE, related_name="successors")
    current = models.ForeignKey(Area, on_delete=models.CASCADE, related_name="predecessors")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["legacy", "current"], name="area_succession_unique")]

    def __str__(self) -> str:
        return f"{self.legacy_id} → {self.current_id}"


class FacilityLevel(models.TextChoices):
    """The level of a health facility (tuyến), which the card's benefit and referrals follow."""

    COMMUNE = "commune", _("commune health station")
    DISTRICT = "district", _("district hospital or medical centre")
    PROVINCIAL = "provincial", _("provincial hospital")
    CENTRAL = "central", _("central hospital")
    PRIVATE = "private", _("private clinic or hospital")


class HealthFacility(models.Model):
    """A health facility where a person may register for primary care (nơi đăng ký khám chữa bệnh ban đầu): the
    code the social-insurance agency gives it (5 characters: province + serial), its name, level and area. It is
    kept on each coverage span, printed on the card and carried in the card's signed QR."""

    code = models.CharField(_("facility code"), max_length=10, unique=True)
    name = models.CharField(_("name"), max_length=200)
    level = models.CharField(_("level"), max_length=20, choices=FacilityLevel.choices)
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="facilities")
    province_code = models.CharField(max_length=16, db_index=True, editable=False)
    is_active = models.BooleanField(_("takes registrations"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("health facility")
        verbose_name_plural = _("health facilities")

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class Audit(AuditAction):
    """The audit events this app records."""

    AREA_RENAME = "area_rename"
    FACILITY_CREATE = "facility_create"
    FACILITY_UPDATE = "facility_update"
    VILLAGE_CREATE = "village_create"
