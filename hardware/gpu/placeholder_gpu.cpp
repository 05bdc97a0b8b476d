// Placeholder until the gpu models land.
