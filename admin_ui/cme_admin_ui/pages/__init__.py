"""Page controllers, one module per area."""
