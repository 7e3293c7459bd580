"""A certificate's digest covers its revocation too (status, when, by whom, why;
`selectors.content_of`), so that a revoked certificate set back to valid in the database fails
the public check. Each certificate whose digest matches what it states (the first scheme,
`selectors.statement_of` alone) gets the digest of the new one; one that does not, altered in the
database already, keeps its digest and so goes on failing the check: the migration makes no
alteration look genuine. Reversed: the digests of the first scheme again, by the same rule."""

import hmac

from django.db import migrations

from zhiyuan.certificates import selectors

BATCH = 1_000


def _rewrite(apps, *, old, new):
    Certificate = apps.get_model("certificates", "Certificate")
    changed = []
    for certificate in Certificate.objects.order_by("pk").iterator(chunk_size=BATCH):
        if hmac.compare_digest(certificate.digest, old(certificate)):
            certificate.digest = new(certificate)
            changed.append(certificate)
        if len(changed) == BATCH:
            Certificate.objects.bulk_update(changed, ["digest"])
            changed = []
    Certificate.objects.bulk_update(changed, ["digest"])


def _first(certificate):
    return selectors.mac(selectors.statement_of(certificate))


def _covering_revocation(certificate):
    return selectors.mac(selectors.content_of(certificate))


def cover_revocation(apps, schema_editor):
    _rewrite(apps, old=_first, new=_covering_revocation)


def uncover_revocation(apps, schema_editor):
    _rewrite(apps, old=_covering_revocation, new=_first)


class Migration(migrations.Migration):
    dependencies = [
        ("certificates", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(cover_revocation, uncover_revocation),
    ]
