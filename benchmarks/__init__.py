"""Benchmarks of the customer register (``make bench``).

``python -m benchmarks.run`` builds fresh registers of the requested sizes on
SQLite and PostgreSQL, measures seeding, lookups, the person page in-process
and over HTTP against a plain-ORM baseline, and writes var/bench/results.json
and docs/benchmarks.md. Each database and size runs in its own process
(``benchmarks.case``) because Django reads the database settings once.
"""
