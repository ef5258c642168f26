from django.urls import path

from abrazo.consultations import views

app_name = "consultations"
urlpatterns = [
    path("", views.episode_list, name="episode-list"),
    path("caseload/", views.caseload, name="caseload"),
    path("team/", views.team_caseloads, name="team"),
    path("<uuid:pk>/", views.episode_detail, name="episode-detail"),
    path("<uuid:pk>/contacts/new/", views.contact_new, name="contact-new"),
    path("<uuid:pk>/consent/new/", views.consent_new, name="consent-new"),
    path("<uuid:pk>/consent/exception/", views.consent_exception, name="consent-exception"),
    path("<uuid:pk>/agreement/", views.agreement_edit, name="agreement"),
    path("<uuid:pk>/goals/new/", views.goal_new, name="goal-new"),
    path("<uuid:pk>/referrals/new/", views.referral_new, name="referral-new"),
    path("<uuid:pk>/advance/", views.episode_advance, name="episode-advance"),
    path("<uuid:pk>/close/", views.episode_close, name="episode-close"),
    path("<uuid:pk>/follow-up/", views.followup_record, name="followup"),
    path("consents/<uuid:pk>/revoke/", views.consent_revoke, name="consent-revoke"),
    path("consents/<uuid:pk>/form/", views.consent_form, name="consent-form"),
    path("goals/<uuid:pk>/rate/", views.goal_rate, name="goal-rate"),
    path("goals/<uuid:pk>/sign-off/", views.goal_signoff, name="goal-signoff"),
    path("referrals/<uuid:pk>/", views.referral_edit, name="referral-edit"),
]


# Groups (communities of support, reflective groups, training series) and the helpline / drop-in log.
urlpatterns += [
    path("groups/", views.group_list, name="group-list"),
    path("groups/new/", views.group_create, name="group-create"),
    path("groups/<uuid:pk>/", views.group_detail, name="group-detail"),
    path("groups/<uuid:pk>/edit/", views.group_edit, name="group-edit"),
    path("groups/<uuid:pk>/members/new/", views.group_member_add, name="group-member-add"),
    path("groups/<uuid:pk>/sessions/new/", views.group_session_new, name="group-session-new"),
    path("groups/members/<uuid:pk>/remove/", views.group_member_remove, name="group-member-remove"),
    path("brief/", views.brief_list, name="brief-list"),
    path("brief/new/", views.brief_new, name="brief-new"),
    path("brief/<uuid:pk>/", views.brief_detail, name="brief-detail"),
    path("brief/<uuid:pk>/request/", views.brief_to_request, name="brief-to-request"),
]
