"""Alembic environment for the relational registry; driven by :mod:`db.migrate`, no alembic.ini."""
