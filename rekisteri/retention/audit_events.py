"""The audit events this app records (rekisteri/audit/events.py)."""

EVENTS = {
    "retention.sweep": (
        "A retention sweep ran: the day it acted as of, dry run or not, and "
        "the counts per rule."
    ),
    "retention.pseudonymise": (
        "A sole trader's company data was replaced with its pseudonym because "
        "the relationship's retention ended: the fields' names, the rule and "
        "the sweep run."
    ),
    "retention.shred": (
        "A key was shredded because its retention ended: the key class, the "
        "rule and the sweep run."
    ),
}
