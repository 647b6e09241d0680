"""Protection at rest: envelopes, key hierarchy and blind indexes (docs/security.md)."""
