from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "ansinh.core"
    verbose_name = "ansinh"

    def ready(self) -> None:
        from . import lookups  # noqa: F401 (registers field__any)
