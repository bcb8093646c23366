"""Time-driven work on APScheduler 3.11: the periodic reminder sweep.

The scheduler holds no state of its own (no job store): each tick derives what is due from the database
(``handlers.reminders``), so a restart loses nothing and several workers never need a shared job store;
only the elected leader sweeps.
"""
