"""Events: the events file, what coordinators type for a new event, durations."""
