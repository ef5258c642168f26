from django.urls import path

from abrazo.audit import break_glass_views, views

app_name = "audit"
urlpatterns = [
    path("", views.event_list, name="event-list"),
    # Emergency ("break glass") accesses, for review by the network's administrators.
    path("break-glass/", break_glass_views.grant_list, name="break-glass-list"),
    path("break-glass/<uuid:pk>/", break_glass_views.grant_detail, name="break-glass-detail"),
]
