from django.urls import path

from . import views

app_name = "cards"
urlpatterns = [
    path("verify/", views.verify, name="verify"),
    path("cards/batch.pdf", views.batch_pdf, name="batch_pdf"),
    path("cards/<int:card_id>.pdf", views.card_pdf, name="card_pdf"),
]
