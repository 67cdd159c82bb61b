"""Tamper evidence: a hash chain over the stored events, its sealer, signed checkpoints.

``chain`` links every stored event to the one before it (in notification order) and keeps
the links in the ``event_chain`` table beside the events (``chain_stores`` reads and extends
it in SQLite or PostgreSQL); ``checkpoints`` signs the chain's head with an Ed25519 key so
members can keep small JSON files that no later rewrite of the database can match;
``verify`` recomputes the chain from the events and names the first event that no longer
matches.
"""
