"""Indexes: the contract (contract.py), the in-memory BM25 index and its store on disk,
Xapian's databases, the signature that tells a stored index from a stale one, and which
backend an engine opens (backends.py)."""
