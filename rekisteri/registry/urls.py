"""Staff UI routes of the customer register.

Identifiers in paths are random UUIDs; no name, email or search term ever
appears in a URL.
"""

from django.urls import path

from rekisteri.registry import views

app_name = "registry"

urlpatterns = [
    path("", views.home, name="home"),
    path("organizations/", views.organization_list, name="organization_list"),
    path("organizations/new/", views.organization_create, name="organization_create"),
    path(
        "organizations/<uuid:organization_id>/",
        views.organization_detail,
        name="organization_detail",
    ),
    path(
        "organizations/<uuid:organization_id>/edit/",
        views.organization_edit,
        name="organization_edit",
    ),
    path("persons/", views.person_list, name="person_list"),
    path("persons/new/", views.person_create, name="person_create"),
    path("persons/<uuid:person_id>/", views.person_detail, name="person_detail"),
    path("persons/<uuid:person_id>/edit/", views.person_edit, name="person_edit"),
    path("persons/<uuid:person_id>/roles/new/", views.role_create, name="role_create"),
    path("roles/<uuid:role_id>/edit/", views.role_edit, name="role_edit"),
    path("roles/<uuid:role_id>/end/", views.role_end, name="role_end"),
    path("search/", views.search, name="search"),
]
