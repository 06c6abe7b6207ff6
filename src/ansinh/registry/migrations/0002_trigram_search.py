"""On PostgreSQL, a trigram index answers name searches (LIKE '%nguyen%') without scanning the table.
SQLite has no trigram index; its B-tree on name_folded serves prefix searches, and a scan serves the rest."""

from django.db import migrations

FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS person_name_trgm ON registry_person USING gin (name_folded gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS area_name_trgm ON areas_area USING gin (name_folded gin_trgm_ops)",
]
BACKWARD = ["DROP INDEX IF EXISTS person_name_trgm", "DROP INDEX IF EXISTS area_name_trgm"]


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in FORWARD:
            schema_editor.execute(sql)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in BACKWARD:
            schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("registry", "0001_initial"), ("areas", "0001_initial")]
    operations = [migrations.RunPython(forward, backward)]
