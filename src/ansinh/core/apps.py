from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "ansinh.core"
    verbose_name = "ansinh"
