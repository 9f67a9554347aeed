"""A `data-respondent` reference is a claim unless the site proves it, and a claim never makes a
proven customer's answer a duplicate."""

from __future__ import annotations

import hashlib
import hmac
import itertools
from datetime import timedelta

import pytest

from models import AuditEvent, Response
from tests.conftest import csrf_from, login
from tests.test_api import assert_error_shape, count, post_score

_addresses = itertools.count(1)


def signed(site, reference: str) -> str:
    """What the site's server computes (README): hex HMAC-SHA256 of the reference."""
    return hmac.new(site.identity_secret.encode(), reference.encode(), hashlib.sha256).hexdigest()


def answer(client, site, score, reference=None, proof=None, address=None):
    """An answer from its own visitor (another address) unless `address` is given."""
    body = {"score": score}
    if reference is not None:
        body["respondent"] = reference
    if proof is not None:
        body["respondent_hash"] = proof
    address = address or f"10.1.0.{next(_addresses)}"
    created = post_score(client, site, body, environ_base={"REMOTE_ADDR": address})
    assert created.status_code == 201, created.get_data(as_text=True)
    return created


def stored(db, created) -> Response:
    return db.session.get(Response, created.json["id"])


def nps(client, site) -> dict:
    return client.get(f"/api/v1/sites/{site.key}/nps").json


def test_a_proven_reference_is_recorded_as_proven(client, db, site):
    created = answer(client, site, 10, "cust-1042", signed(site, "cust-1042"))
    assert created.json["respondent_proven"] is True
    assert stored(db, created).respondent_proven is True
    upper = answer(client, site, 9, "cust-7", signed(site, "cust-7").upper())
    assert stored(db, upper).respondent_proven is True


def test_a_wrong_or_missing_proof_keeps_the_answer_as_a_claim(client, db, site):
    wrong = answer(client, site, 10, "cust-1042", signed(site, "cust-1043"))
    claimed = answer(client, site, 10, "cust-2")
    assert wrong.json["respondent_proven"] is False and claimed.json["respondent_proven"] is False
    assert [stored(db, r).respondent_proven for r in (wrong, claimed)] == [False, False]
    assert stored(db, wrong).respondent == "cust-1042"


@pytest.mark.parametrize(
    "body",
    [
        {"score": 9, "respondent_hash": "a" * 64},  # proves nobody
        {"score": 9, "respondent": "c", "respondent_hash": "a" * 63},
        {"score": 9, "respondent": "c", "respondent_hash": "z" * 64},
        {"score": 9, "respondent": "c", "respondent_hash": 12},
    ],
)
def test_malformed_proofs_get_422_and_nothing_is_written(client, db, site, body):
    assert_error_shape(post_score(client, site, body), 422)["errors"]["respondent_hash"]
    assert count(db, Response) == 0


def test_a_claim_made_first_never_pushes_the_proven_customer_out(client, db, make_site):
    site = make_site(min_sample=1)
    impostor = answer(client, site, 0, "cust-1042")
    customer = answer(client, site, 10, "cust-1042", signed(site, "cust-1042"))
    assert stored(db, customer).is_duplicate is False
    # The claim counts like any anonymous answer: it is one, as far as anyone can tell.
    assert stored(db, impostor).is_duplicate is False
    assert (nps(client, site)["total"], nps(client, site)["promoters"]) == (2, 1)


def test_even_from_the_same_visitor_a_claim_does_not_push_out_a_proven_answer(client, db, site):
    answer(client, site, 0, "cust-1042", address="10.2.0.1")
    customer = answer(client, site, 10, "cust-1042", signed(site, "cust-1042"), address="10.2.0.1")
    assert stored(db, customer).is_duplicate is False


def test_proven_answers_repeat_only_proven_ones(client, db, site):
    proof = signed(site, "cust-1042")
    first = answer(client, site, 10, "cust-1042", proof)
    again = answer(client, site, 3, "cust-1042", proof)
    claim_after = answer(client, site, 0, "cust-1042")
    assert [stored(db, r).is_duplicate for r in (first, again, claim_after)] == [False, True, True]
    assert nps(client, site)["total"] == 1


def test_claims_still_repeat_claims_for_sites_that_prove_nothing(client, db, site):
    first = answer(client, site, 10, "cust-5")
    again = answer(client, site, 2, "cust-5")
    assert [stored(db, r).is_duplicate for r in (first, again)] == [False, True]


def test_a_proven_customer_is_asked_again_after_the_resurvey_interval(client, db, site):
    proof = signed(site, "cust-9")
    first = answer(client, site, 10, "cust-9", proof)
    stored(db, first).created_at -= timedelta(days=site.resurvey_days + 1)
    db.session.commit()
    assert stored(db, answer(client, site, 6, "cust-9", proof)).is_duplicate is False


def test_the_owner_sees_and_rotates_the_secret_which_no_public_surface_shows(client, db, make_user, site):
    old = site.identity_secret
    assert len(old) == 64
    for path in (f"/api/v1/sites/{site.key}/config", f"/api/v1/sites/{site.key}/nps", f"/wall/{site.key}"):
        assert old not in client.get(path).get_data(as_text=True)
    make_user("owner@example.org", "owner", sites=[site])
    login(client, "owner@example.org")
    page = client.get(f"/admin/sites/{site.key}/settings").get_data(as_text=True)
    assert old in page
    rotated = client.post(f"/admin/sites/{site.key}/identity-secret", data={"csrf_token": csrf_from(page)})
    assert rotated.status_code == 302
    db.session.refresh(site)
    assert site.identity_secret != old and len(site.identity_secret) == 64
    events = db.session.execute(db.select(AuditEvent).filter_by(action="identity_secret.rotated")).scalars().all()
    assert len(events) == 1 and site.identity_secret not in str(events[0].details)
    # A proof made with the old secret proves nothing any more.
    stale = hmac.new(old.encode(), b"cust-1", hashlib.sha256).hexdigest()
    assert answer(client, site, 9, "cust-1", stale).json["respondent_proven"] is False


def test_rotating_needs_an_owner_and_the_csrf_token(client, db, make_user, site):
    old = site.identity_secret
    make_user("mod@example.org", "moderator", sites=[site])
    login(client, "mod@example.org")
    token = csrf_from(client.get("/admin/").get_data(as_text=True))
    assert client.post(f"/admin/sites/{site.key}/identity-secret", data={"csrf_token": token}).status_code == 403
    client.post("/admin/logout", data={"csrf_token": token})
    make_user("owner@example.org", "owner", sites=[site])
    login(client, "owner@example.org")
    assert client.post(f"/admin/sites/{site.key}/identity-secret").status_code == 400  # no CSRF token
    db.session.refresh(site)
    assert site.identity_secret == old


def test_exports_and_the_respondents_history_say_which_references_are_proven(client, db, make_user, site):
    answer(client, site, 0, "cust-1042")
    answer(client, site, 10, "cust-1042", signed(site, "cust-1042"))
    make_user("owner@example.org", "owner", sites=[site])
    login(client, "owner@example.org")
    records = client.get(f"/api/v1/sites/{site.key}/responses?format=json").json
    assert [(r["respondent"], r["respondent_proven"], r["is_duplicate"]) for r in records] == [
        ("cust-1042", False, False),
        ("cust-1042", True, False),
    ]
    header = client.get(f"/api/v1/sites/{site.key}/responses?format=csv").get_data(as_text=True).splitlines()[0]
    # Where it was added; columns added since (channel) come after it.
    assert header.split(",")[14:16] == ["testimonial_status", "respondent_proven"]
    history = client.get(f"/admin/sites/{site.key}/respondents/cust-1042").get_data(as_text=True)
    assert history.count("reference not proven") == 1 and history.count("proven reference") == 1
