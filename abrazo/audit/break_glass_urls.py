"""/access/: asking for emergency ("break glass") access. Its review lives under /audit/ (audit/urls.py)."""

from django.urls import path

from abrazo.audit import break_glass_views

app_name = "access"
urlpatterns = [
    path("emergency/", break_glass_views.emergency_access, name="emergency"),
]
