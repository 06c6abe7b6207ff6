"""The official population figures the coverage divides by (the coverage periods it counts are the registry's:
``registry.models.CoveragePeriod``, ADR 0010)."""

from __future__ import annotations

from django.db import models

from ansinh.core.models import AuditAction


class OfficialPopulation(models.Model):
    """An official population figure of a commune or a village on a date, with its source (the statistics office,
    the commune police, ...). Where one is loaded, the coverage figures divide by it instead of the registry's
    count (docs/adr/0007-coverage-figures.md, 0017). Written by ``services.official_population_set``."""

    area = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="+")
    on = models.DateField()
    population = models.PositiveIntegerField()
    source = models.CharField(max_length=200)
    province_code = models.CharField(max_length=16, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["area", "on"], name="official_population_area_on")]

    def __str__(self) -> str:
        return f"{self.area_id} {self.on}: {self.population}"


class Audit(AuditAction):
    """The audit events this app records."""

    OFFICIAL_POPULATION_SET = "official_population_set"
