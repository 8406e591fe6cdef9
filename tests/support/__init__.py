"""Helpers shared by the test modules: where the repository's files are, the recorded
fixtures' cases and models, the wire formats served on loopback, the HTTP paths a request can
take. Test modules import from here, never from one another."""
