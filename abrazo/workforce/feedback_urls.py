"""/workforce/feedback/: asking for feedback, the percentages by question, comments and voices from the field.

The public page of voices lives here too (`voices`, `voices-network`), marked @public in its view."""

from django.urls import path

from abrazo.workforce import feedback_views, voice_views

urlpatterns = [
    path("", feedback_views.feedback_overview, name="feedback-overview"),
    path("export/", feedback_views.feedback_export, name="feedback-export"),
    path("cohorts/<uuid:pk>/ask/", feedback_views.feedback_send_cohort, name="feedback-send-cohort"),
    path("groups/<uuid:pk>/ask/", feedback_views.feedback_send_group, name="feedback-send-group"),
    path("comments/", voice_views.feedback_comments, name="feedback-comments"),
    path("comments/<uuid:pk>/voice/", voice_views.voice_new, name="voice-new"),
    path("curated/", voice_views.voice_list, name="voice-list"),
    path("curated/<uuid:pk>/", voice_views.voice_edit, name="voice-edit"),
    path("curated/<uuid:pk>/publish/", voice_views.voice_publish, name="voice-publish"),
    path("voices/", voice_views.voices, name="voices"),
    path("voices/<slug:network_slug>/", voice_views.voices, name="voices-network"),
]
