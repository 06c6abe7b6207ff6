from django.urls import path

from ansinh.web import coverage_views

urlpatterns = [
    path("coverage/", coverage_views.coverage_page, name="coverage"),
    path("coverage/export.<str:fmt>", coverage_views.coverage_export, name="coverage_export"),
]
