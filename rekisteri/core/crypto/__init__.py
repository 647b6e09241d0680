"""Protection at rest: envelopes, key hierarchy and blind indexes (DESIGN §5)."""
