"""Documents made in the background: a run's certificates, the credit forms of a department's people.

A domain starts one with :func:`cme_platform.documents.service.start` and contributes the job kind that
makes it (:func:`cme_platform.documents.service.document_kind`); this domain keeps the record (progress,
outcome), stores the PDF, offers it through expiring download links and removes it when it expires.
"""
