from django.apps import AppConfig


class ReportsConfig(AppConfig):
    """Network reports for funders, and the exports of reports and record lists."""

    name = "abrazo.reports"
    label = "reports"
