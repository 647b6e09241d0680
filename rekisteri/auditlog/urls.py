"""Routes of the audit-log viewer. Person ids are random UUIDs."""

from django.urls import path

from rekisteri.auditlog import views

app_name = "audit"

urlpatterns = [
    path("", views.log, name="log"),
    path("persons/<uuid:person_id>/", views.person_access, name="person_access"),
    path(
        "persons/<uuid:person_id>/export.csv",
        views.person_access_csv,
        name="person_access_csv",
    ),
]
