from django.apps import AppConfig


class EnrollmentConfig(AppConfig):
    name = "ansinh.enrollment"
