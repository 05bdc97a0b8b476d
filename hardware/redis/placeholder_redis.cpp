// Placeholder until the redis models land.
