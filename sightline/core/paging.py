"""One way to page a list: `page_of(request, rows)`.

Every list shows `settings.SIGHTLINE_PAGE_SIZE` rows a page. A queryset is paged in two steps:
first the primary keys of the page's rows, in the queryset's order (which an index serves
without reading the table's wide rows, even on the last page), then only those rows, with the
queryset's `select_related` and `prefetch_related`. Sorting, filtering, counting and paging all
happen in SQL; Python only puts the page's rows back in the order the keys came in.
"""

from __future__ import annotations

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet


class KeysFirstPaginator(Paginator):
    def __init__(self, object_list, per_page, *, count: int | None = None, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        if count is not None:
            # A total the caller has already counted (for example in a grouped summary).
            self.__dict__["count"] = count

    def page(self, number) -> Page:
        rows = self.object_list
        if not isinstance(rows, QuerySet):
            return super().page(number)
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        keys = list(rows.values_list("pk", flat=True)[bottom:top])
        found = {row.pk: row for row in rows.order_by().filter(pk__in=keys)}
        return self._get_page([found[k] for k in keys if k in found], number, self)


def page_size() -> int:
    return settings.SIGHTLINE_PAGE_SIZE


def page_of(request, rows, *, count: int | None = None, per_page: int | None = None) -> Page:
    """The page `?page=` asks for (the last for `?page=last`, the first for anything unusable)."""
    paginator = KeysFirstPaginator(rows, per_page or page_size(), count=count)
    number = request.GET.get("page")
    return paginator.get_page(paginator.num_pages if number == "last" else number)
