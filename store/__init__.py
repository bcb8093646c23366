"""Persistence adapters: the SQLAlchemy engine, the unit of work, repositories and Alembic migrations."""
