"""The JSON API's shared parts: the error body, exception handlers and paging."""
