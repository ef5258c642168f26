"""REDCap data dictionaries: import (upload, then preview/confirm/result named by a token) and export.

Included from measures/urls.py under "redcap/", so the names live in the `measures` namespace. The import
pages carry no id: the staged file is named by a random token in the query string or the posted form.
"""

from django.urls import path

from abrazo.measures import redcap_views as views

urlpatterns = [
    path("import/", views.redcap_import, name="redcap-import"),
    path("import/confirm/", views.redcap_import_confirm, name="redcap-import-confirm"),
    path("<uuid:pk>/dictionary.csv", views.redcap_export, name="redcap-export"),
]
