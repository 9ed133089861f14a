"""Team outcome metrics: aggregates of a workspace's async habits by week, never a person's own figures."""
