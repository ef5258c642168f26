from django.urls import path

from abrazo.intake import views

app_name = "intake"
urlpatterns = [
    path("", views.request_list, name="request-list"),
    path("new/", views.request_create, name="request-create"),
    path("new/<slug:network_slug>/", views.request_create, name="request-create-for-network"),
    path("thanks/", views.request_thanks, name="request-thanks"),
    path("triage/", views.triage_queue, name="triage-queue"),
    path("capacity/", views.capacity, name="capacity"),
    path("settings/", views.intake_settings, name="settings"),
    path("<uuid:pk>/", views.request_detail, name="request-detail"),
    path("<uuid:pk>/ask/", views.request_ask_info, name="request-ask-info"),
    path("<uuid:pk>/decline/", views.request_decline, name="request-decline"),
    path("<uuid:pk>/waitlist/", views.request_waitlist, name="request-waitlist"),
    path("<uuid:pk>/priority/", views.request_priority, name="request-priority"),
    path("<uuid:pk>/assign/", views.request_assign, name="request-assign"),
]
