"""The audit log: append-only, hash-chained records of every sign-in and every change."""
