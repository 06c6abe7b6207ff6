from django.urls import path

from . import views

app_name = "outreach"

urlpatterns = [
    path("outreach/", views.home, name="home"),
    path("outreach/lists/<int:list_id>/", views.list_detail, name="list_detail"),
    path("outreach/lists/<int:list_id>/export.csv", views.export_csv, name="export_csv"),
    path("outreach/lists/<int:list_id>/teams/<int:number>/", views.walk, name="walk"),
    path("outreach/lists/<int:list_id>/teams/<int:number>/walk.pdf", views.walk_pdf, name="walk_pdf"),
    path("outreach/lists/<int:list_id>/rows/<int:row_id>/door/", views.door, name="door"),
    path("outreach/outbox/", views.outbox, name="outbox"),
    path("outreach/outbox/<int:message_id>/retry/", views.outbox_retry, name="outbox_retry"),
]
