from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("common", "0002_outbound_sms"),
    ]

    operations = [
        migrations.CreateModel(
            name="Generation",
            fields=[
                ("name", models.CharField(max_length=100, primary_key=True, serialize=False)),
                ("value", models.PositiveBigIntegerField(default=0)),
            ],
            options={
                "verbose_name": "generation",
                "verbose_name_plural": "generations",
            },
        ),
    ]
