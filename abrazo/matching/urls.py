from django.urls import path

from abrazo.matching import views

app_name = "matching"
urlpatterns = [
    path("settings/", views.matching_settings, name="settings"),
]
