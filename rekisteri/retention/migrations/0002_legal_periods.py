"""The Accounting Act's retention periods, dated, with their source.

Kirjanpitolaki (Accounting Act) 1336/1997, 2 luku 10 § in its current
wording: tositteet (vouchers) are kept at least six years from the end of
the year in which the financial year ended; the financial statements, books
and lists of accounts at least ten years from the end of the financial
year. Finlex: https://www.finlex.fi/fi/laki/ajantasa/1997/19971336

Earlier wordings of 2:10 are not modelled: the rows are valid from the
act's entry into force (1998-01-01), and any financial year ending before
2016 is past both periods today. A future amendment is a new row with its
own valid_from (and valid_to set on the row it replaces).
"""

import datetime as dt

from django.db import migrations

SOURCE_VOUCHER = (
    "Kirjanpitolaki 1336/1997, 2:10 § (vouchers: 6 years from the end of the "
    "year in which the financial year ended); finlex.fi/fi/laki/ajantasa/1997/19971336"
)
SOURCE_BOOK = (
    "Kirjanpitolaki 1336/1997, 2:10 § (books and financial statements: 10 "
    "years from the end of the financial year); finlex.fi/fi/laki/ajantasa/1997/19971336"
)
PERIODS = [
    ("bookkeeping_voucher", 6, dt.date(1998, 1, 1), None, SOURCE_VOUCHER),
    ("bookkeeping_book", 10, dt.date(1998, 1, 1), None, SOURCE_BOOK),
]


def seed(apps, schema_editor):
    LegalPeriod = apps.get_model("retention", "LegalPeriod")
    for rule, years, start, end, source in PERIODS:
        LegalPeriod.objects.update_or_create(
            rule=rule,
            valid_from=start,
            defaults=dict(years=years, valid_to=end, source=source),
        )
    apps.get_model("retention", "SweepLock").objects.get_or_create(pk=1)


def unseed(apps, schema_editor):
    apps.get_model("retention", "LegalPeriod").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("retention", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
