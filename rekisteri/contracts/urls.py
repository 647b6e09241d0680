"""Staff UI routes of contracts. Ids in paths are random UUIDs."""

from django.urls import path

from rekisteri.contracts import views

app_name = "contracts"

urlpatterns = [
    path("", views.contract_list, name="contract_list"),
    path("new/", views.contract_create, name="contract_create"),
    path("<uuid:contract_id>/", views.contract_detail, name="contract_detail"),
    path("<uuid:contract_id>/edit/", views.contract_edit, name="contract_edit"),
    path(
        "<uuid:contract_id>/activate/",
        views.contract_activate,
        name="contract_activate",
    ),
    path("<uuid:contract_id>/end/", views.contract_end, name="contract_end"),
    path(
        "<uuid:contract_id>/terminate/",
        views.contract_terminate,
        name="contract_terminate",
    ),
    path("<uuid:contract_id>/delete/", views.contract_delete, name="contract_delete"),
    path("<uuid:contract_id>/parties/new/", views.party_add, name="party_add"),
    path("parties/<uuid:party_id>/remove/", views.party_remove, name="party_remove"),
]
