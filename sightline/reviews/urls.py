from django.http import Http404
from django.urls import path

app_name = "reviews"


def _pending(request, *args, **kwargs):
    raise Http404("Not found")


urlpatterns = [
    path("", _pending, name="dashboard"),
    path("summary/", _pending, name="summary"),
    path("raise/", _pending, name="raise"),
    path("<str:reference>/", _pending, name="case"),
    path("<str:reference>/rapid-review/", _pending, name="rapid-review"),
    path("<str:reference>/rapid-review/returns/<int:agency_id>/", _pending, name="return"),
    path("<str:reference>/local-review/", _pending, name="local-review"),
]
