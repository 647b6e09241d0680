from django.urls import path

from rekisteri.rights import views

app_name = "rights"

urlpatterns = [
    path(
        "schema/access-export.json",
        views.export_schema,
        name="export_schema",
    ),
    path(
        "persons/<uuid:person_id>/export/",
        views.person_export,
        name="person_export",
    ),
    path(
        "persons/<uuid:person_id>/portability.zip",
        views.person_portability,
        name="person_portability",
    ),
    path(
        "persons/<uuid:person_id>/erasure/",
        views.person_erasure,
        name="person_erasure",
    ),
    path(
        "persons/<uuid:person_id>/erasure/execute/",
        views.person_erase,
        name="person_erase",
    ),
    path(
        "persons/<uuid:person_id>/rectify/",
        views.person_rectify,
        name="person_rectify",
    ),
    path("rectifications/", views.notices, name="notices"),
    path(
        "rectifications/notices/<uuid:notice_id>/",
        views.notice_record,
        name="notice_record",
    ),
]
