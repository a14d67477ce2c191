"""Getting bytes in: the guarded HTTP client, the versioned snapshot store, article fetching.
Used by the source declarations; imports only the base layer and the schemas."""
