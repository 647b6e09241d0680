from django.urls import path

from rekisteri.registry import views

app_name = "registry"

urlpatterns = [
    path("", views.home, name="home"),
]
