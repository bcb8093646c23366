"""The kernel: what every part of the application speaks — chat events in, replies out, mail to other chats,
the ports to the outside world (clock, unit of work, repositories), the message catalogue, text, dates and
language. It knows no case and no feature."""
