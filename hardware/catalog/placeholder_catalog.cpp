// Placeholder until the catalog models land.
