"""Identity: accounts, role grants scoped to an org unit, password hashing, sessions and route guards."""
