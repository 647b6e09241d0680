from django.contrib.auth import views as auth_views
from django.urls import path

from rekisteri.accounts import views
from rekisteri.accounts.permissions import Perm

app_name = "accounts"

login_view = auth_views.LoginView.as_view(
    template_name="accounts/login.html", redirect_authenticated_user=True
)
login_view.required_perm = Perm.PUBLIC
logout_view = auth_views.LogoutView.as_view()
logout_view.required_perm = Perm.PUBLIC

urlpatterns = [
    path("login/", login_view, name="login"),
    path("logout/", logout_view, name="logout"),
    path("tokens/", views.tokens, name="tokens"),
    path("tokens/<uuid:token_id>/revoke/", views.token_revoke, name="token_revoke"),
]
