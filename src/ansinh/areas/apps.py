from django.apps import AppConfig


class AreasConfig(AppConfig):
    name = "ansinh.areas"
