# The coverage periods, taken over from the reports app with their table (ADR 0010, addendum), keep the merged span
# beside its cut to the days the person was alive, so the registry can cut it again after a birth or a death is
# corrected without reading the coverage rows.

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import F


def spans_from_periods(apps, schema_editor):
    """The spans of the periods already written: the cut ones (a person died) keep their cut as their span."""
    CoveragePeriod = apps.get_model("registry", "CoveragePeriod")
    CoveragePeriod.objects.update(span_from=F("valid_from"), span_to=F("valid_to"))


class Migration(migrations.Migration):
    dependencies = [
        ("areas", "0002_health_facility"),
        ("registry", "0003_sinumbersequence"),
        ("reports", "0003_coverage_period_to_registry"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="CoveragePeriod",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        (
                            "scheme",
                            models.CharField(
                                choices=[("hi", "health insurance"), ("vsi", "voluntary social insurance")],
                                max_length=3,
                            ),
                        ),
                        ("valid_from", models.DateField()),
                        ("valid_to", models.DateField()),
                        ("province_code", models.CharField(max_length=16)),
                        (
                            "commune",
                            models.ForeignKey(
                                blank=True,
                                db_index=False,
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to="areas.area",
                            ),
                        ),
                        (
                            "person",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="+",
                                to="registry.person",
                            ),
                        ),
                        (
                            "village",
                            models.ForeignKey(
                                blank=True,
                                db_index=False,
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to="areas.area",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "reports_coverageperiod",
                        "indexes": [
                            models.Index(
                                fields=["province_code", "valid_to", "valid_from"], name="period_area_dates_idx"
                            ),
                            models.Index(fields=["commune", "valid_to"], name="period_commune_idx"),
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.AddField(
            model_name="coverageperiod", name="span_from", field=models.DateField(null=True)
        ),
        migrations.AddField(model_name="coverageperiod", name="span_to", field=models.DateField(null=True)),
        migrations.RunPython(spans_from_periods, migrations.RunPython.noop),
        migrations.AlterField(model_name="coverageperiod", name="span_from", field=models.DateField()),
        migrations.AlterField(model_name="coverageperiod", name="span_to", field=models.DateField()),
        migrations.AlterField(model_name="coverageperiod", name="valid_from", field=models.DateField(null=True)),
        migrations.AlterField(model_name="coverageperiod", name="valid_to", field=models.DateField(null=True)),
    ]
