"""Files: one storage interface (local directory or S3), checked uploads, expiring download links."""
