from django.contrib import admin
from django.urls import include, path

from ansinh.api.main import api
from ansinh.web import health
from ansinh.web.urls import card_urls, coverage_urls, outreach_urls

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include(card_urls)),  # /verify/ (public), card PDFs
    path("", include(coverage_urls)),
    path("", include(outreach_urls)),
    path("", include("ansinh.web.urls")),
]

# The 500 page shows the error id that the log carries (web/views.py); 400, 403, 403_csrf and 404 are templates.
handler500 = "ansinh.web.views.server_error"
