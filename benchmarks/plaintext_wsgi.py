"""WSGI entry point of the plaintext baseline: ``gunicorn benchmarks.plaintext_wsgi``.

The benchmark's HTTP figures for the register without per-person encryption
come from this module: the application of ``rekisteri.wsgi``, with
:func:`benchmarks.plaintext.install` applied in each server process before
the first request. It refuses to load without ``REKISTERI_BENCH_PLAINTEXT=1``.
"""

import os

from django.core.wsgi import get_wsgi_application

from benchmarks import plaintext

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rekisteri.settings")
application = get_wsgi_application()
plaintext.install()

# As rekisteri.wsgi: refuse to serve with a master key that does not match.
from rekisteri.keystore.keys import verify_master_key  # noqa: E402

verify_master_key()
