"""A certificate as an Open Badges 3.0 credential, signed as a VC-JWT with the tenant's key: what the
learner takes elsewhere, checked here with the published key set alone."""

from __future__ import annotations

import base64
import hashlib
import json

import pytest
from api_kit import ok, refused
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from test_certificates import API
from test_certificates import granted as granted  # the fixtures, shared
from test_certificates import held as held


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@pytest.mark.db
async def test_the_learner_takes_his_certificate_as_a_verifiable_credential(cme_client, login, granted):
    await login(cme_client, granted.world.tenant, "learner")
    [mine] = ok(await cme_client.get(f"{API}/certificates"))
    answer = ok(await cme_client.get(f"{API}/certificates/{mine['id']}/credential"))
    header_text, claims_text, signature = answer["jwt"].split(".")
    header, claims = json.loads(_unb64(header_text)), json.loads(_unb64(claims_text))
    keys = ok(await cme_client.get("/t/alpha/.well-known/jwks.json"))
    [key] = [k for k in keys["keys"] if k["kid"] == header["kid"]]
    assert header["alg"] == "EdDSA" and header["typ"] == "vc+jwt"
    Ed25519PublicKey.from_public_bytes(_unb64(key["x"])).verify(
        _unb64(signature), f"{header_text}.{claims_text}".encode()
    )
    vc = claims  # VC-JOSE-COSE: the payload is the credential itself
    assert vc == answer["credential"] and vc["issuer"]["id"] == "http://testserver.local/t/alpha"
    assert vc["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert vc["id"] == f"http://testserver.local/t/alpha{mine['verify_path']}"
    subject = vc["credentialSubject"]
    [identity] = subject["identifier"]
    salted = hashlib.sha256((mine["facts"]["holder_name"] + identity["salt"]).encode()).hexdigest()
    assert identity["identityHash"] == f"sha256${salted}" and identity["hashed"] is True
    assert mine["facts"]["holder_name"] not in answer["jwt"] and mine["facts"][
        "holder_name"
    ] not in json.dumps(vc)
    assert subject["creditsEarned"] == mine["facts"]["credits"] / 100
    assert subject["achievement"]["name"].startswith("心血管新进展学习班")
    download = await cme_client.get(f"/t/alpha/certificates/{mine['id']}/credential.jwt")
    assert download.status_code == 200 and download.headers["content-type"].startswith("application/vc+jwt")
    assert download.text.count(".") == 2
    # a tampered credential no longer verifies
    forged = json.dumps({**vc, "name": "伪造"}).encode()
    with pytest.raises(InvalidSignature):
        Ed25519PublicKey.from_public_bytes(_unb64(key["x"])).verify(
            _unb64(signature),
            f"{header_text}.{base64.urlsafe_b64encode(forged).decode().rstrip('=')}".encode(),
        )
    # nobody else's; none once revoked
    await login(cme_client, granted.world.tenant, "learner2")
    refused(await cme_client.get(f"{API}/certificates/{mine['id']}/credential"), 404)
    await login(cme_client, granted.world.tenant, "commission")
    ok(await cme_client.post(f"{API}/certificates/{mine['id']}/withdraw", json={"reason": "重复发放"}))
    await login(cme_client, granted.world.tenant, "learner")
    refused(await cme_client.get(f"{API}/certificates/{mine['id']}/credential"), 409)
