"""Importing a program's roster or its BIRS incident file: upload, preview, confirm, and the empty templates.

The confirm URL is keyed by the program, like the upload page, so that the permission matrix and the
scope check treat both alike; the staged file is named by a random token in the query string or the
posted form, which is only valid for the person, program and kind of file it was issued for.
"""

from django.urls import path

from abrazo.incidents import import_views as views

urlpatterns = [
    path("programs/<uuid:pk>/roster/", views.import_roster, name="import-roster"),
    path("programs/<uuid:pk>/roster/confirm/", views.import_roster_confirm, name="import-roster-confirm"),
    path("programs/<uuid:pk>/incidents/", views.import_incidents, name="import-incidents"),
    path("programs/<uuid:pk>/incidents/confirm/", views.import_incidents_confirm, name="import-incidents-confirm"),
    path("templates/roster.csv", views.roster_template, name="import-roster-template"),
    path("templates/incidents.csv", views.incidents_template, name="import-incidents-template"),
]
