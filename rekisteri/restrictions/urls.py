"""Staff UI routes of restriction, objection and the marketing selection."""

from django.urls import path

from rekisteri.restrictions import views

app_name = "restrictions"

urlpatterns = [
    path("marketing/", views.marketing, name="marketing"),
    path("marketing/selection.csv", views.marketing_csv, name="marketing_csv"),
    path("persons/<uuid:person_id>/restrict/", views.restrict, name="restrict"),
    path("persons/<uuid:person_id>/lift/", views.lift, name="lift"),
    path("persons/<uuid:person_id>/object/", views.object_, name="object"),
]
