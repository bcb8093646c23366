"""Broadcasts: one message to many citizens through the outbox, resumable and rate-limited, with the status a
clerk watches; ``/thongbao`` (announcements). A service the other features may use."""
