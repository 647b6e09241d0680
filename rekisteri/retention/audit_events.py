"""The audit events this app records (rekisteri/audit/events.py)."""

EVENTS = {
    "retention.sweep": (
        "A retention sweep ran: the day it acted as of, dry run or not, and "
        "the counts per rule."
    ),
    "retention.shred": (
        "A key was shredded because its retention ended: the key class, the "
        "rule and the sweep run."
    ),
}
