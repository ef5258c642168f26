"""Network reports, under /reports/."""

from django.urls import path

from abrazo.reports import report_views

app_name = "reports"

urlpatterns: list = [
    path("", report_views.report, name="report"),
    path("print/", report_views.report_print, name="print"),
    path("pdf/", report_views.pdf, name="pdf"),
    path("download/", report_views.download, name="download"),
]
