from django.shortcuts import redirect

from rekisteri.accounts.permissions import Perm, require


@require(Perm.AUTHENTICATED)
def home(request):
    return redirect("registry:organization_list")
