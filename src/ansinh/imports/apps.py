from django.apps import AppConfig


class ImportsConfig(AppConfig):
    name = "ansinh.imports"
