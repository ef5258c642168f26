from django.urls import URLPattern

app_name = "equity"
urlpatterns: list[URLPattern] = []
