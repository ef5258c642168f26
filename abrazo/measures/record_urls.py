"""REDCap record files of one instrument: import (upload, map, preview, confirm) and the flat export.

Included from measures/urls.py under "records/", so the names live in the `measures` namespace.
"""

from django.urls import path

from abrazo.measures import record_views as views

urlpatterns = [
    path("<uuid:pk>/import/", views.records_import, name="records-import"),
    path("<uuid:pk>/export/", views.records_export, name="records-export"),
]
