from django.urls import path

from abrazo.equity import views

app_name = "equity"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("programs/<uuid:pk>/", views.program_dashboard, name="program"),
    path("regions/<uuid:pk>/", views.region_dashboard, name="region"),
    path("export/", views.export, name="export"),
]
