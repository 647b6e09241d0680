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
        "persons/<uuid:person_id>/exports/",
        views.person_export_build,
        name="person_export_build",
    ),
    path("exports/", views.my_exports, name="my_exports"),
    path(
        "exports/<uuid:export_id>/",
        views.export_download,
        name="export_download",
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
