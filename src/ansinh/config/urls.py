from django.contrib import admin
from django.urls import include, path

from ansinh.api.main import api

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("ansinh.cards.urls")),  # /verify/ (public), card PDFs
    path("", include("ansinh.reports.urls")),
    path("", include("ansinh.outreach.urls")),
    path("", include("ansinh.web.urls")),
]
