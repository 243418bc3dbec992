"""Untouched filter fields (``?date_from=&status=``) mean "any", on pages and in the JSON API."""

from __future__ import annotations

from cme_platform.api.blank_query import without_blank_values


def test_blank_values_are_dropped_and_the_rest_kept_byte_for_byte():
    assert without_blank_values(b"a=&b=2&q=%E5%BC%A0&c=+&d=%20") == b"b=2&q=%E5%BC%A0"
    assert without_blank_values("q=张&z=".encode()) == "q=张".encode()
    assert without_blank_values(b"flag&y=") == b"flag"
    assert without_blank_values(b"x=1&y=0") == b"x=1&y=0"
    assert without_blank_values(b"") == b""


async def test_an_untouched_filter_form_lists_everything(cme_client, world, login):
    await login(cme_client, world.tenant, "commission")
    base = f"/t/{world.tenant.slug}"
    blank = "date_from=&date_to=&status=&q=&q_field=name&department_id="
    assert (await cme_client.get(f"{base}/credits?{blank}")).status_code == 200
    assert (await cme_client.get(f"{base}/api/credits?{blank}&year=")).status_code == 200
    assert (await cme_client.get(f"{base}/api/personnel/people?institution_id=&status=")).status_code == 200
    refused = await cme_client.get(f"{base}/api/credits?date_from=2026-13-01")
    assert refused.status_code == 400
