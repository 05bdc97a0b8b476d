// Placeholder until the network models land.
