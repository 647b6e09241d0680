"""Finnish VAT rates with their periods (arvonlisäverolaki 1501/1993, 84–85 §).

Sources:
- General rate 24 % from 2013-01-01, 25.5 % from 2024-09-01 (law 309/2024);
  Vero.fi "Arvonlisäverokannat".
- Reduced rate 14 % (food, restaurants; from 2025-01-01 also books,
  medicines, passenger transport, accommodation, culture and sports) lowered
  to 13.5 % from 2026-01-01 in the 2026 budget: vatcalc.com, "Finland cuts
  reduced VAT to 13.5% Jan 2026"
  (https://www.vatcalc.com/finland/finland-cuts-reduced-vat-to-13-5-jan-2026/)
  and vatapi.com, "Finland Lowers Reduced VAT Rate to 13.5% Effective
  1 January 2026".
- Reduced rate 10 % (newspapers and periodicals; before 2025 also books,
  medicines, transport, accommodation, culture) unchanged since 2013-01-01.
- Earlier periods (23/13/9 % from 2010-07-01) are included so old invoices
  can be re-rendered; rates before that are not needed by this register.
"""

import datetime as dt
from decimal import Decimal

from django.db import migrations

D = dt.date
RATES = [
    # code, name, rate, category, valid_from, valid_to
    ("general", "Yleinen verokanta", "23.00", "S", D(2010, 7, 1), D(2012, 12, 31)),
    ("general", "Yleinen verokanta", "24.00", "S", D(2013, 1, 1), D(2024, 8, 31)),
    ("general", "Yleinen verokanta", "25.50", "S", D(2024, 9, 1), None),
    ("reduced_1", "Alennettu verokanta (elintarvikkeet)", "13.00", "S",
     D(2010, 7, 1), D(2012, 12, 31)),
    ("reduced_1", "Alennettu verokanta (elintarvikkeet)", "14.00", "S",
     D(2013, 1, 1), D(2025, 12, 31)),
    ("reduced_1", "Alennettu verokanta (elintarvikkeet)", "13.50", "S",
     D(2026, 1, 1), None),
    ("reduced_2", "Alennettu verokanta (lehdet)", "9.00", "S",
     D(2010, 7, 1), D(2012, 12, 31)),
    ("reduced_2", "Alennettu verokanta (lehdet)", "10.00", "S", D(2013, 1, 1), None),
    ("zero", "Veroton myynti (0 %)", "0.00", "Z", D(1994, 6, 1), None),
    ("reverse", "Käännetty verovelvollisuus", "0.00", "AE", D(1994, 6, 1), None),
]


def seed(apps, schema_editor):
    VatRate = apps.get_model("billing", "VatRate")
    for code, name, rate, category, start, end in RATES:
        VatRate.objects.update_or_create(
            code=code,
            valid_from=start,
            defaults=dict(
                name=name, rate=Decimal(rate), category=category, valid_to=end
            ),
        )


def unseed(apps, schema_editor):
    VatRate = apps.get_model("billing", "VatRate")
    for code, _name, _rate, _cat, start, _end in RATES:
        VatRate.objects.filter(code=code, valid_from=start).delete()


class Migration(migrations.Migration):
    dependencies = [("billing", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
