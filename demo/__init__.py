"""`handoff demo`: a simulated workspace's night, run through Handoff itself, and the catch-ups it makes."""
