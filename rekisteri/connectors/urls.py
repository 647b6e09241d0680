"""Staff UI routes of the registry connectors (ids are random UUIDs)."""

from django.urls import path

from rekisteri.connectors import contact_views, views

app_name = "connectors"

urlpatterns = [
    path(
        "organizations/<uuid:organization_id>/prh-refresh/",
        views.prh_refresh,
        name="prh_refresh",
    ),
    path("reviews/", views.review_list, name="review_list"),
    path("reviews/<uuid:review_id>/decide/", views.review_decide, name="review_decide"),
    path("inform/", views.inform_list, name="inform_list"),
    path("inform/<uuid:task_id>/", views.inform_act, name="inform_act"),
    path("contacts/", contact_views.contacts_upload, name="contacts_upload"),
    path(
        "contacts/<str:token>/import/",
        contact_views.contacts_import,
        name="contacts_import",
    ),
]
