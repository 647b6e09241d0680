"""Django's SQLite backend with its placeholder conversion remembered
(``base.py``); ``ENGINE = "rekisteri.core.sqlite"``."""
