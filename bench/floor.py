"""The benchmark's floor: the least a page can cost on this server.

One indexed query for 25 rows (agencies by their unique name) rendered by a two-line template,
through the same middleware, settings and gunicorn workers as every other page. It is mounted
at /bench/floor only when SIGHTLINE_BENCH_FLOOR is on (config/urls.py), which the settings allow
only in the local demo; otherwise the address is a 404 like any unknown one.
"""

from django.http import HttpResponse
from django.template import engines
from django.views.decorators.http import require_GET

from sightline.accounts.models import Agency

TEMPLATE = engines["django"].from_string(
    "<!DOCTYPE html><html lang=en><title>Floor</title><ul>"
    "{% for pk, name in rows %}<li>{{ pk }} {{ name }}</li>{% endfor %}</ul></html>"
)


@require_GET
def floor(request):
    rows = list(Agency.objects.order_by("name").values_list("pk", "name")[:25])
    return HttpResponse(TEMPLATE.render({"rows": rows}))
