"""`vocloop backup` and `vocloop restore`: the whole database to one file and back.

SQLite: the online backup API copies a consistent snapshot while the server and the
worker go on writing (WAL), and restores the same way, as one transaction. PostgreSQL:
pg_dump's custom format from one snapshot, and pg_restore in one transaction.
"""
