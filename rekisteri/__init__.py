"""Rekisteri: a customer register with the GDPR built in."""
