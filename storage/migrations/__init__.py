"""Numbered schema migrations, applied in order by ``storage.db.Database.migrate``.

Each module ``mNNNN_name.py`` defines ``VERSION`` (int), ``DESCRIPTION``, its
literal DDL for SQLite and PostgreSQL (the SQL as it was at that version), and
``upgrade(conn)``. Never edit a migration that has shipped; add a new one,
with its own DDL (``ALTER TABLE ...``), and change the table classes to match:
``tests/storage/test_migrations.py`` builds a fresh database through every
migration and compares it with the classes.
"""
