"""Each member row stores whether its participation is new or a renewal (ADR 0008), filled here for the rows that
exist, by the same single UPDATE as ``enrollment.services.participation_flags_refresh_all`` (written out with
the historical models, so that this migration keeps meaning what it meant when the code moves on)."""

from django.db import migrations, models
from django.db.models import BooleanField, Case, Exists, OuterRef, When


def fill(apps, schema_editor):
    Member = apps.get_model("enrollment", "EnrollmentMember")
    Enrollment = apps.get_model("enrollment", "Enrollment")
    HICoverage = apps.get_model("enrollment", "HICoverage")
    VSIContribution = apps.get_model("enrollment", "VSIContribution")
    prior_hi = Exists(
        HICoverage.objects.filter(
            person_id=OuterRef("person_id"),
            is_void=False,
            valid_from__lte=OuterRef("lookback_to"),
            valid_to__gte=OuterRef("lookback_from"),
        ).exclude(enrollment_id=OuterRef("enrollment_id"))
    )
    prior_vsi = Exists(
        VSIContribution.objects.filter(
            person_id=OuterRef("person_id"),
            is_void=False,
            first_month__lte=OuterRef("lookback_to"),
            last_month__gte=OuterRef("lookback_from_month"),
        ).exclude(enrollment_id=OuterRef("enrollment_id"))
    )
    vsi = Exists(Enrollment.objects.filter(pk=OuterRef("enrollment_id"), scheme="vsi"))
    Member.objects.using(schema_editor.connection.alias).update(
        is_new=Case(When(vsi, then=~prior_vsi), default=~prior_hi, output_field=BooleanField())
    )


class Migration(migrations.Migration):
    dependencies = [("enrollment", "0003_member_lookback")]

    operations = [
        migrations.AddField("enrollmentmember", "is_new", models.BooleanField(null=True)),
        migrations.RunPython(fill, migrations.RunPython.noop, elidable=True),
    ]
