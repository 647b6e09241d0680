"""Staff UI routes of message history (under /messages/).

Identifiers in paths are random UUIDs; the timeline cursor is a message id.
"""

from django.urls import path

from rekisteri.messaging import views

app_name = "messaging"

urlpatterns = [
    path("new/", views.message_create, name="message_create"),
    path("<uuid:message_id>/", views.message_detail, name="message_detail"),
    path("<uuid:message_id>/delete/", views.message_delete, name="message_delete"),
    path(
        "attachments/<uuid:attachment_id>/",
        views.attachment_download,
        name="attachment_download",
    ),
    path(
        "organizations/<uuid:organization_id>/",
        views.organization_timeline,
        name="organization_timeline",
    ),
    path(
        "organizations/<uuid:organization_id>/import/",
        views.import_upload,
        name="import_upload",
    ),
    path("persons/<uuid:person_id>/", views.person_timeline, name="person_timeline"),
]
