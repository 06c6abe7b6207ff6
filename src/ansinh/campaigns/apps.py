from django.apps import AppConfig


class CampaignsConfig(AppConfig):
    name = "ansinh.campaigns"
