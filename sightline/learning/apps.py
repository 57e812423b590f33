from django.apps import AppConfig


class LearningConfig(AppConfig):
    name = "sightline.learning"
    label = "learning"
    verbose_name = "7-minute briefings"
