from django.conf import settings
from django.urls import reverse

from sightline.core.models import Notification
from sightline.core.registry import nav_entries


def sightline(request):
    user = getattr(request, "user", None)
    context = {"partnership_name": settings.SIGHTLINE_PARTNERSHIP_NAME, "nav_items": []}
    if user is not None and user.is_authenticated:
        path = request.path
        items = []
        for entry in nav_entries():
            if entry.visible(user):
                url = reverse(entry.url_name)
                active = path == url if url == "/app/" else path.startswith(url)
                items.append({"label": entry.label, "url": url, "active": active})
        context["nav_items"] = items
        context["unread_notifications"] = Notification.objects.filter(
            user=user, read_at__isnull=True
        ).count()
    return context
