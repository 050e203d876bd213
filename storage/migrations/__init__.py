"""Numbered schema migrations, applied in order by ``storage.db.Database.migrate``.

Each module ``mNNNN_name.py`` defines ``VERSION`` (int), ``DESCRIPTION`` and
``upgrade(conn)``. Never edit a migration that has shipped; add a new one.
"""
