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
