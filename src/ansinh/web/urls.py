from django.urls import path

from . import views

app_name = "web"
urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("persons/", views.person_search, name="person_search"),
    path("persons/new/", views.person_create, name="person_create"),
    path("persons/villages/", views.person_villages, name="person_villages"),
    path("persons/<int:person_id>/", views.person_detail, name="person_detail"),
    path("persons/<int:person_id>/edit/", views.person_edit, name="person_edit"),
    path("persons/<int:person_id>/household/", views.household_create, name="household_create"),
    path("households/<int:household_id>/", views.household_detail, name="household_detail"),
    path("households/<int:household_id>/members/", views.household_add_member, name="household_add_member"),
    path("areas/<str:code>/", views.area_detail, name="area_detail"),
    path("users/", views.user_list, name="user_list"),
    path("users/new/", views.user_edit, name="user_create"),
    path("users/<int:user_id>/", views.user_edit, name="user_edit"),
]
