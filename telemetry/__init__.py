"""What Handoff tells its operator about itself: Prometheus instruments and the context of log lines.

A ground floor, like `hours/`: it imports nothing of Handoff's, so every floor may count and label.
"""
