"""Reads of divisions."""

from django.db.models import QuerySet

from zhiyuan.divisions.models import Division


def descendants_of(division: Division) -> QuerySet[Division]:
    """All divisions under `division` (not itself), abolished ones included."""
    return Division.objects.filter(code__startswith=division.prefix).exclude(code=division.code)


def search_divisions(query: str, *, limit: int = 50) -> QuerySet[Division]:
    """Divisions whose code starts with `query` (digits) or whose name contains it."""
    query = query.strip()
    if query.isdigit():
        return Division.objects.filter(code__startswith=query)[:limit]
    return Division.objects.filter(name__contains=query)[:limit]
