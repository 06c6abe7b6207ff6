"""Files brought in: each import run, the source key of every row it linked to a record, and saved column
mappings. Writes go through services.py (docs/adr/0016-import-encodings-and-source-keys.md)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from ansinh.core.models import AuditAction


class Kind(models.TextChoices):
    PERSONS = "persons", _("persons and households")
    CARDS = "cards", _("health-insurance cards")
    VSI = "vsi", _("voluntary-SI contributions")
    PENSIONS = "pensions", _("pension recipients and payout method")
    POPULATION = "population", _("official population")


class JobStatus(models.TextChoices):
    """An import run as a background job (ADR 0014); a run made at once has no job status ("")."""

    NONE = "", _("run at once")
    QUEUED = "queued", _("waiting")
    RUNNING = "running", _("running")
    STOPPING = "stopping", _("stopping")
    STOPPED = "stopped", _("stopped")
    DONE = "done", _("done")
    FAILED = "failed", _("failed")


class ImportRun(models.Model):
    """One import of one file (a dry run leaves none: it writes nothing)."""

    kind = models.CharField(max_length=20, choices=Kind.choices)
    source = models.CharField(_("source"), max_length=100)
    file_name = models.CharField(max_length=300)
    file_sha256 = models.CharField(max_length=64)
    encoding = models.CharField(max_length=10)
    mapping = models.CharField(max_length=100, blank=True)
    rows = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    rejected = models.PositiveIntegerField(default=0)
    errors_file = models.CharField(max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # As a background job (ADR 0014): the file kept under VAR_DIR, what was asked, and how far it got. Work is
    # committed a chunk of units (households, rows) at a time; ``units_done`` is where a resume starts.
    status = models.CharField(max_length=10, choices=JobStatus.choices, blank=True, default="")
    stored_path = models.CharField(max_length=500, blank=True)
    encoding_asked = models.CharField(max_length=10, default="auto")
    columns = models.JSONField(
        default=dict, blank=True
    )  # the mapping as edited on the page (header -> field)
    rows_total = models.PositiveIntegerField(default=0)
    rows_done = models.PositiveIntegerField(default=0)
    units_done = models.PositiveIntegerField(default=0)
    message = models.CharField(max_length=500, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)  # the last chunk committed
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")

    def __str__(self) -> str:
        return f"{self.kind} {self.source} {self.file_name}"


class RejectedRow(models.Model):
    """A row a job rejected, kept as it was with the column at fault (a standard field) and the reason, until the
    job writes its error report (a job's rows are committed a chunk at a time, ADR 0014)."""

    run = models.ForeignKey(ImportRun, on_delete=models.CASCADE, related_name="rejected_rows")
    line = models.PositiveIntegerField()
    cells = models.JSONField(default=list)
    column = models.CharField(max_length=40, blank=True)
    reason = models.TextField()

    class Meta:
        indexes = [models.Index(fields=["run", "line"], name="import_rejected_line_idx")]

    def __str__(self) -> str:
        return f"{self.run_id}:{self.line}"


class Entity(models.TextChoices):
    PERSON = "person", _("person")
    HOUSEHOLD = "household", _("household")
    CARD = "card", _("health-insurance card")
    CONTRIBUTION = "vsi", _("voluntary-SI contribution")
    PENSION = "pension", _("pension record")


class SourceLink(models.Model):
    """A row of a source (its ``ma_nguon``, or a household's ``ma_ho``) and the registry record it became.
    ``fingerprint`` is the hash of the row's values as last imported: the same row again changes nothing."""

    source = models.CharField(max_length=100)
    entity = models.CharField(max_length=10, choices=Entity.choices)
    key = models.CharField(max_length=100)
    province_code = models.CharField(max_length=16, db_index=True)
    person = models.ForeignKey(
        "registry.Person", null=True, blank=True, on_delete=models.CASCADE, related_name="source_links"
    )
    household = models.ForeignKey(
        "registry.Household", null=True, blank=True, on_delete=models.CASCADE, related_name="source_links"
    )
    coverage = models.ForeignKey(
        "enrollment.HICoverage", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    contribution = models.ForeignKey(
        "enrollment.VSIContribution", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    fingerprint = models.CharField(max_length=64, blank=True)
    last_run = models.ForeignKey(
        ImportRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["source", "entity", "key"], name="source_link_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.source}/{self.entity}/{self.key}"


class SavedMapping(models.Model):
    """A file's column names mapped to the standard fields, saved by name for next month's file."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    columns = models.JSONField(default=dict)  # file header -> standard field
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return self.name


class PairStatus(models.TextChoices):
    TO_REVIEW = "to_review", _("to review")
    MERGED = "merged", _("merged")
    NOT_SAME = "not_same", _("not the same person")


class DedupPair(models.Model):
    """Two records that may be one person, found by ``dedup.dedup_run``, with the evidence and the match
    probability; a reviewer merges them or marks them not the same (which keeps them out of later runs)."""

    a = models.ForeignKey("registry.Person", on_delete=models.CASCADE, related_name="+")
    b = models.ForeignKey("registry.Person", on_delete=models.CASCADE, related_name="+")
    probability = models.FloatField()
    evidence = models.JSONField(default=dict)
    status = models.CharField(max_length=10, choices=PairStatus.choices, default=PairStatus.TO_REVIEW)
    merge = models.ForeignKey(
        "registry.PersonMerge", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    province_code = models.CharField(max_length=16, db_index=True)
    found_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["a", "b"], name="dedup_pair_unique")]

    def __str__(self) -> str:
        return f"{self.a_id}~{self.b_id} {self.probability:.2f}"


class Audit(AuditAction):
    """The audit events this app records."""

    CONTRIBUTION_IMPORT = "contribution_import"
    COVERAGE_IMPORT = "coverage_import"
    DEDUP_PAIR_NOT_SAME = "dedup_pair_not_same"
    DEDUP_RUN = "dedup_run"
    IMPORT_JOB_CREATE = "import_job_create"
    IMPORT_JOB_RESUME = "import_job_resume"
    IMPORT_JOB_STOP = "import_job_stop"
    IMPORT_MAPPING_SAVE = "import_mapping_save"
    IMPORT_RUN = "import_run"
    PENSION_IMPORT = "pension_import"
    PERSON_IMPORT = "person_import"
