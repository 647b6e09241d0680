"""Demo contracts for the demo register: a product catalogue and contracts
for its organizations, valid by construction and written in bulk.

Customers get contracts in force (some ending within the next months, so the
renewal list has something in it, some terminated by notice), former
customers ended or terminated ones, and a few prospects a draft. People with
a role at the organization are attached in the capacities their roles
suggest, always within both their role's and the contract's period. Terms
are generic commercial text with no personal data.

Seeding skips the services (and their audit events) for speed, so it keeps
their rules itself: the tests run the generated rows back through them.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from rekisteri.contracts.choices import ContractStatus, NoticeUnit, PartyKind
from rekisteri.contracts.dates import add_months, notice_end
from rekisteri.contracts.models import Contract, ContractParty, Product
from rekisteri.contracts.relationship import relationship_refresh
from rekisteri.core import ids, keyring
from rekisteri.core.catalogue import KeyClass
from rekisteri.core.sequences import sequence_next
from rekisteri.registry.models import Organization, Role

PRODUCTS = (
    ("HR-PRO", "Henkilöstöhallinto Pro", "Palkat, lomat ja työajat pilvessä."),
    ("TALOUS", "Taloushallinto", "Kirjanpito, reskontrat ja raportointi."),
    ("CRM-PERUS", "Asiakkuudenhallinta Perus", "Asiakasrekisteri ja myynnin putki."),
    ("YLLAPITO", "Ylläpito- ja tukipalvelu", "Tuki arkisin 8–16, vasteaika 4 h."),
    ("INTEGRAATIO", "Integraatiopalvelu", "Rajapinnat pankkiin ja verottajalle."),
    ("KOULUTUS", "Käyttäjäkoulutus", "Koulutuspäivät ja verkkokurssit."),
)
TERMS = (
    "Hinnat sidottu elinkustannusindeksiin, tarkistus vuosittain tammikuussa.",
    "Palvelutaso: käytettävyys 99,5 % kuukaudessa, huoltokatkot ilmoitetaan "
    "viikkoa etukäteen.",
    "Laskutus kuukausittain etukäteen, maksuehto 14 päivää netto.",
    "Sopimukseen sovelletaan toimittajan yleisiä sopimusehtoja 2024.",
    "Tukipyynnöt tukiportaalin kautta; kiireelliset puhelimitse.",
    "",
)
# Which party kinds a role kind may take on a contract.
PARTY_FOR_ROLE = {
    "contact": (PartyKind.CONTACT, PartyKind.SIGNATORY),
    "billing_contact": (PartyKind.BILLING_CONTACT,),
    "support_user": (PartyKind.SUPPORT_USER,),
    "end_user": (PartyKind.SUPPORT_USER,),
}


@dataclass
class DemoContracts:
    products: int = 0
    contracts: int = 0
    parties: int = 0


def contracts_are_empty() -> bool:
    return not Contract.objects.exists()


def _products() -> list[Product]:
    out = []
    for code, name, description in PRODUCTS:
        product, _created = Product.objects.get_or_create(
            code=code, defaults={"name": name, "description": description}
        )
        out.append(product)
    return out


def _period(
    rng: random.Random, status: str, today: dt.date
) -> tuple[dt.date, dt.date | None, dict]:
    """Start, end and termination fields for a contract in ``status``."""
    start = today - dt.timedelta(days=rng.randint(60, 6 * 365))
    months = rng.choice((0, 1, 3, 6))
    extra: dict = {"notice_period": months, "notice_unit": NoticeUnit.MONTHS}
    if status == ContractStatus.DRAFT:
        return today + dt.timedelta(days=rng.randint(7, 60)), None, extra
    if status == ContractStatus.ACTIVE:
        roll = rng.random()
        if roll < 0.25:  # ends within the renewal window
            return start, today + dt.timedelta(days=rng.randint(0, 120)), extra
        if roll < 0.4:  # a fixed term further away
            return start, add_months(today, rng.randint(5, 30)), extra
        return start, None, extra
    if status == ContractStatus.ENDED:
        end = start + dt.timedelta(days=rng.randint(30, (today - start).days - 1))
        return start, end, extra
    # Terminated: notice given recently (still in force) or long ago.
    given = today - dt.timedelta(days=rng.randint(1, min(400, (today - start).days)))
    termination = max(notice_end(given, months, NoticeUnit.MONTHS), start)
    extra.update(notice_given_on=given, termination_date=termination)
    return start, None, extra


def _statuses(rng: random.Random, org_status: str) -> list[str]:
    if org_status == "customer":
        return [
            ContractStatus.ACTIVE
            if rng.random() < 0.85
            else rng.choice((ContractStatus.TERMINATED, ContractStatus.ENDED))
            for _ in range(rng.choice((1, 1, 2, 3)))
        ]
    if org_status == "former":
        return [rng.choice((ContractStatus.ENDED, ContractStatus.TERMINATED))]
    return [ContractStatus.DRAFT] if rng.random() < 0.3 else []


def seed(*, today: dt.date | None = None, rng_seed: str = "contracts") -> DemoContracts:
    """Contracts for every demo organization; does nothing if any exist."""
    result = DemoContracts()
    if not contracts_are_empty():
        return result
    today = today or timezone.localdate()
    rng = random.Random(rng_seed)
    with transaction.atomic():
        products = _products()
        result.products = len(products)
        orgs = list(
            Organization.objects.order_by("customer_number").only(
                "id", "status", "sole_trader"
            )
        )
        roles_by_org: dict = {}
        for role in Role.objects.filter(organization__in=orgs).only(
            "person_id", "organization_id", "kind", "start_date", "end_date"
        ):
            roles_by_org.setdefault(role.organization_id, []).append(role)
        plans = [(org, status) for org in orgs for status in _statuses(rng, org.status)]
        if not plans:
            return result
        first = sequence_next("contract_number", start=1, count=len(plans))
        contracts, parties = [], []
        for i, (org, status) in enumerate(plans):
            start, end, extra = _period(rng, status, today)
            termination = extra.get("termination_date")
            contract = Contract(
                id=ids.time_ordered_id(),
                number=f"SOP-{first + i:06d}",
                organization_id=org.pk,
                sole_trader=org.sole_trader,
                product=rng.choice(products),
                status=status,
                start_date=start,
                end_date=end,
                ends_on=termination or end,
                terms=rng.choice(TERMS) or None,
                activated_at=None
                if status == ContractStatus.DRAFT
                else timezone.now() - dt.timedelta(days=(today - start).days),
                closed_at=timezone.now() if status in ("ended", "terminated") else None,
                **extra,
            )
            contracts.append(contract)
            parties += _parties(rng, contract, roles_by_org.get(org.pk, []))
        with keyring.key_scope():
            # One relationship key per organization with terms, made in bulk;
            # an organization that already has one (another app's) keeps it.
            wanted = {c.organization_id for c in contracts if c.terms}
            have = keyring.subjects_with_key(wanted, KeyClass.CRM)
            keyring.create_keys_bulk(wanted - have, KeyClass.CRM)
            Contract.objects.bulk_create(contracts, batch_size=500)
        ContractParty.objects.bulk_create(parties, batch_size=500)
        for org in orgs:
            relationship_refresh(org)
    result.contracts, result.parties = len(contracts), len(parties)
    return result


def _parties(
    rng: random.Random, contract: Contract, roles: list[Role]
) -> list[ContractParty]:
    """Up to three of the organization's people, within both periods."""
    out: list[ContractParty] = []
    taken: set = set()
    for role in rng.sample(roles, k=min(3, len(roles))):
        start = max(contract.start_date, role.start_date)
        if role.end_date is not None and role.end_date < start:
            continue
        if contract.ends_on is not None and start > contract.ends_on:
            continue
        kind = rng.choice(PARTY_FOR_ROLE.get(role.kind, (PartyKind.CONTACT,)))
        if (role.person_id, kind) in taken:
            continue
        taken.add((role.person_id, kind))
        end = None
        if contract.status in (ContractStatus.ENDED, ContractStatus.TERMINATED):
            end = contract.ends_on
        out.append(
            ContractParty(
                contract=contract,
                person_id=role.person_id,
                kind=kind,
                start_date=start,
                end_date=end,
            )
        )
    return out
