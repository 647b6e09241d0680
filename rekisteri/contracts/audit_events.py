"""The audit events this app records (rekisteri/audit/events.py)."""

EVENTS = {
    "contract.create": "A contract was created.",
    "contract.update": "A contract was changed: the field names.",
    "contract.activate": "A draft contract was activated.",
    "contract.terminate": "A contract was terminated with a notice.",
    "contract.end": "A contract ended on its end date.",
    "contract.delete": "A draft contract was deleted.",
    "contract.view": "A contract was shown.",
    "contract.list": "A contract list was shown: row count.",
    "contract_party.add": "A person was attached to a contract.",
    "contract_party.end": "A person's attachment to a contract ended.",
    "contract_party.remove": "A person was removed from a draft contract.",
    "contract_party.list": "A contract's parties were listed.",
    "product.create": "A product or service was added.",
    "product.retire": "A product or service was retired.",
}
