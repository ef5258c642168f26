from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from abrazo.accounts.views import set_language
from abrazo.core.admin_site import restrict_admin_site
from abrazo.core.views import healthz
from abrazo.library.site_views import robots, sitemap

restrict_admin_site(admin.site)

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("robots.txt", robots, name="robots"),
    path("sitemap.xml", sitemap, name="sitemap"),
    path("i18n/setlang/", set_language, name="set_language"),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
    path("audit/", include("abrazo.audit.urls")),
    path("access/", include("abrazo.audit.break_glass_urls")),  # emergency ("break glass") access
    path("directory/", include("abrazo.directory.urls")),
    path("requests/", include("abrazo.intake.urls")),
    path("matching/", include("abrazo.matching.urls")),
    path("episodes/", include("abrazo.consultations.urls")),
    path("children/", include("abrazo.incidents.urls")),
    path("equity/", include("abrazo.equity.urls")),
    path("measures/", include("abrazo.measures.urls")),
    path("workforce/", include("abrazo.workforce.urls")),
    path("library/", include("abrazo.library.urls")),
    path("site/", include("abrazo.library.site_urls")),
    path("reports/", include("abrazo.reports.urls")),
    path("exports/", include("abrazo.reports.export_urls")),
    path("api/v1/", include("abrazo.api.urls")),
    path("api/tokens/", include("abrazo.api.token_urls")),
    path("", include("abrazo.core.urls")),
]

if settings.DEBUG:
    from django.contrib.staticfiles.urls import staticfiles_urlpatterns

    urlpatterns += staticfiles_urlpatterns()
