"""What marks a database as one that may hold made-up data, and the populations made in it.

`zhiyuan generate_population` writes thousands of synthetic people; it runs only on a database
that says it is a demo or a benchmark (`DatabaseMark`): `zhiyuan load_demo` marks its database
as a demo, the benchmarks mark theirs. Nothing marks a database by itself, so a production
database refuses the generator."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class DatabaseKind(models.TextChoices):
    DEMO = "demo", _("Demo")
    BENCHMARK = "benchmark", _("Benchmark")


class DatabaseMark(models.Model):
    """This database is a demo's or a benchmark's: synthetic data may be generated in it."""

    kind = models.CharField(_("kind"), max_length=12, choices=DatabaseKind.choices)
    note = models.CharField(_("note"), max_length=200, blank=True, default="")
    marked_at = models.DateTimeField(_("marked"), auto_now_add=True)
    #: When `load_demo` finished (a demo's mark): empty while it runs, and after an interrupted load,
    #: which `load_demo --if-empty` then finishes.
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)

    class Meta:
        verbose_name = _("database mark")
        verbose_name_plural = _("database marks")

    def __str__(self) -> str:
        return f"{self.kind} ({self.marked_at:%Y-%m-%d})"


class GeneratedPopulation(models.Model):
    """One run of the generator: where, with which seed, how many people. Its volunteers are
    the registrations of channel "synthetic" registered through organisations of `division`'s
    area; its work units have codes starting SYN, its headcounts and populations name it in
    their source."""

    division = models.ForeignKey(
        "divisions.Division", verbose_name=_("division"), on_delete=models.PROTECT, related_name="+"
    )
    seed = models.BigIntegerField(_("seed"))
    volunteers = models.PositiveIntegerField(_("registered volunteers"))
    applications = models.PositiveIntegerField(_("applications awaiting confirmation"))
    work_units = models.PositiveIntegerField(_("work units"))
    first_mobile = models.PositiveIntegerField(
        _("first mobile index"), help_text=_("Where this run's mobiles start in the 199 blocks.")
    )
    created_at = models.DateTimeField(_("generated"), auto_now_add=True)

    class Meta:
        verbose_name = _("generated population")
        verbose_name_plural = _("generated populations")
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.division_id} seed {self.seed}: {self.volunteers}"
