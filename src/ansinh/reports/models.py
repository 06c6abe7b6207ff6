"""Derived data kept for the coverage figures (docs/adr/0010-coverage-periods.md)."""

from __future__ import annotations

from django.db import models


class PeriodScheme(models.TextChoices):
    HI = "hi", "health insurance"
    VSI = "vsi", "voluntary social insurance"


class CoveragePeriod(models.Model):
    """A person's continuous coverage under one scheme: the non-void health-insurance spans (or voluntary-SI
    contribution months, from the first day of the first month to the last day of the last) merged where they
    overlap or touch, cut to the days the person was alive, and placed where the person lives now.

    It is derived, never edited: ``reports.services.coverage_periods_refresh`` rebuilds a person's periods in the
    same transaction as every service that creates or voids coverage or changes where a person lives, their birth
    date or their death. Because one person's periods of a scheme never overlap, "insured on a date" is a plain
    count of the periods containing it — no DISTINCT, and no join to the persons."""

    person = models.ForeignKey("registry.Person", on_delete=models.CASCADE, related_name="+")
    scheme = models.CharField(max_length=3, choices=PeriodScheme.choices)
    valid_from = models.DateField()
    valid_to = models.DateField()
    province_code = models.CharField(max_length=16)
    commune = models.ForeignKey(
        "areas.Area", null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    village = models.ForeignKey(
        "areas.Area", null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )

    class Meta:
        indexes = [
            models.Index(fields=["province_code", "valid_to", "valid_from"], name="period_area_dates_idx"),
            models.Index(fields=["commune", "valid_to"], name="period_commune_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} {self.scheme} {self.valid_from}–{self.valid_to}"


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
