from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FieldConfig(AppConfig):
    name = "ansinh.field"
    label = "field"
    verbose_name = _("Field kits")

    def ready(self) -> None:
        from django.conf import settings

        if getattr(
            settings, "ANSINH_FIELD_KIT", False
        ):  # this machine is a kit: journal what the desk writes
            from ansinh.core.journal import set_recorder

            from .journal import record

            set_recorder(record)
