"""Electronic credit certificates (电子学分证书) that verify themselves.

A certificate is issued for a granted credit with a snapshot of what it certifies, a number in the
province's scheme and a seal: a compact record signed with the tenant's Ed25519 key, carried by the QR
code together with the public verification address. The province's ``cme_certificate_policy`` gives the
title, the issuing body and the number prefix; its templates may replace the PDF's layout.

Modules: ``policy``, ``seal`` (signing and checking seals; the JWKS), ``tables``, ``schemas``,
``service`` (issue, list, verify, withdraw), ``api``; PDFs through :mod:`cme_platform.pdf`.
"""
