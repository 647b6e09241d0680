"""WSGI entry point (gunicorn rekisteri.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

from rekisteri.core.files import prepare_process

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rekisteri.settings")
# Owner-only files and var/ before the apps load (rekisteri/core/files.py).
prepare_process()
application = get_wsgi_application()

# Refuse to serve with a master key that does not match the key store.
from rekisteri.core.keyring import verify_master_key  # noqa: E402

verify_master_key()

# Start-up is complete once the URLconf (every view module) is loaded: what
# it built is left out of later full collections (rekisteri/core/gcpause.py).
from django.urls import get_resolver  # noqa: E402

from rekisteri.core.gcpause import freeze_startup  # noqa: E402

get_resolver().url_patterns  # noqa: B018 - imports the views
freeze_startup()
