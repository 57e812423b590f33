from django.apps import AppConfig


class PublishingConfig(AppConfig):
    name = "sightline.publishing"
    label = "publishing"
    verbose_name = "Publication and the public library"
