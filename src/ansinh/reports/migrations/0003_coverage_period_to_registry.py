# The coverage periods move to the registry (ADR 0010, addendum): the table stays where it is; only Django's state
# changes hands here, and registry 0004 takes the model over.

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("reports", "0002_official_population")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="CoveragePeriod")], database_operations=[]
        )
    ]
