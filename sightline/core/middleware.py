"""Request context for the event log, and the security headers every response carries."""

from django.utils.cache import add_never_cache_headers

from sightline.core.requestcontext import client_ip, current_ip


class RequestContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = current_ip.set(client_ip(request))
        try:
            return self.get_response(request)
        finally:
            current_ip.reset(token)


class SecurityHeadersMiddleware:
    """no-store on everything signed-in or private; no server version strings."""

    PUBLIC_CACHEABLE_PREFIXES = ("/static/",)

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.method == "TRACE":
            response.status_code = 405
        if not request.path.startswith(self.PUBLIC_CACHEABLE_PREFIXES):
            user = getattr(request, "user", None)
            if (user is not None and user.is_authenticated) or request.path.startswith("/app/"):
                add_never_cache_headers(response)
                response["Cache-Control"] = "no-store, private"
        response.headers.pop("Server", None)
        response.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        response.setdefault("Cross-Origin-Resource-Policy", "same-origin")
        return response
