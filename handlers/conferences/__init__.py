"""Dialogue conferences (hội nghị đối thoại): announcing, moving and cancelling them, citizens registering and
sending questions, results, and the reminders before each session."""
