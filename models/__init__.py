"""Domain model of Nghe Dân: SQLAlchemy 2 mapped classes, enums and value objects.

Nothing here knows about chat channels, HTTP or the scheduler.
"""
