"""Working hours: when a person is at work, in their own time zone, as pure functions of plain values."""
