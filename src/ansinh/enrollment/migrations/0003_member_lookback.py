"""Each member row keeps its payment date and the 90-day look-back window that decides "new" vs "renewal"."""

import datetime as dt

from django.db import migrations, models


def backfill(apps, schema_editor):
    Member = apps.get_model("enrollment", "EnrollmentMember")
    for member in Member.objects.select_related("enrollment").iterator():
        paid_on = member.enrollment.paid_on
        start = paid_on - dt.timedelta(days=90)
        Member.objects.filter(pk=member.pk).update(
            paid_on=paid_on, lookback_from=start, lookback_to=paid_on - dt.timedelta(days=1),
            lookback_from_month=start.replace(day=1),
        )


class Migration(migrations.Migration):
    dependencies = [("enrollment", "0002_initial")]

    operations = [
        migrations.AddField("enrollmentmember", "paid_on", models.DateField(null=True)),
        migrations.AddField("enrollmentmember", "lookback_from", models.DateField(null=True)),
        migrations.AddField("enrollmentmember", "lookback_to", models.DateField(null=True)),
        migrations.AddField("enrollmentmember", "lookback_from_month", models.DateField(null=True)),
        migrations.RunPython(backfill, migrations.RunPython.noop),
        migrations.AlterField("enrollmentmember", "paid_on", models.DateField()),
        migrations.AlterField("enrollmentmember", "lookback_from", models.DateField()),
        migrations.AlterField("enrollmentmember", "lookback_to", models.DateField()),
        migrations.AlterField("enrollmentmember", "lookback_from_month", models.DateField()),
        migrations.AddIndex(
            "enrollmentmember", models.Index(fields=["person", "paid_on"], name="member_person_day_idx")
        ),
    ]
