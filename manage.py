#!/usr/bin/env python
"""Django's command-line utility for Rekisteri."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rekisteri.settings")
    from django.core.management import execute_from_command_line

    from rekisteri.core.files import prepare_process

    # Owner-only files and var/ before the apps load (rekisteri/core/files.py).
    prepare_process()

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
