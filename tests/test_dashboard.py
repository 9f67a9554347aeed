"""The owner's dashboard and follow-up list, on the fixed data set of test_insights."""

from __future__ import annotations

from datetime import timedelta

import pytest

from core.themes import top_themes, words
from models import Response, utcnow
from tests.conftest import ORIGIN, csrf_from, login
from tests.test_insights import dataset  # noqa: F401  (fixture)


@pytest.fixture
def owner(client, make_user, dataset):  # noqa: F811
    make_user("owner@example.org", "owner", sites=[dataset])
    login(client, "owner@example.org")
    return dataset


def test_dashboard_numbers(client, owner):
    page = client.get(f"/admin/sites/{owner.key}/dashboard").get_data(as_text=True)
    assert '<span class="big">+25</span>' in page  # 4 promoters, 2 detractors of 8
    assert '<span class="big">8</span> answers (4 promoters, 2 passives, 2 detractors)' in page
    # Each week a point with its margin of error, as text for screen readers.
    assert "2026-01-05: NPS +33 ±106.7 (3 answers)" in page
    assert "2026-01-12: NPS 0 ±69.3 (4 answers)" in page
    assert "Answers per score: 0: 1, 1: 0, 2: 0, 3: 1, 4: 0, 5: 0, 6: 0, 7: 1, 8: 1, 9: 1, 10: 3" in page
    assert "blog: NPS 75 ±42.4, 4 answers" in page and "checkout: NPS -25 ±81.3, 4 answers" in page
    assert "paying: NPS 40" in page  # the first attribute is the default segment
    assert "https://blog.example/b: NPS -67" in page


def test_dashboard_filters_apply_to_everything(client, owner):
    page = client.get(f"/admin/sites/{owner.key}/dashboard?touchpoint=blog&from=2026-01-10&period=month").get_data(
        as_text=True
    )
    assert (
        '<span class="big">+50</span>' in page
        and '<span class="big">2</span> answers (1 promoter, 1 passive, 0 detractors)' in page
    )
    assert "2026-01: NPS 0 ±" in page and "2026-02: NPS +100" in page
    assert "checkout" not in page.split("By touchpoint")[1].split("By page")[0]
    assert "2026-02: NPS +100 ±0.0 (1 answer)" in page  # a point of one answer, said in the singular
    assert "from=2026-01-10" in page  # exports and theme links keep the filters


def test_an_empty_selection_says_so_instead_of_drawing_empty_tables(client, owner):
    page = client.get(f"/admin/sites/{owner.key}/dashboard?touchpoint=nowhere").get_data(as_text=True)
    matrix = page.split("Category × touchpoint")[1].split("Themes")[0]
    assert "No answers in this selection." in matrix and "<table" not in matrix


def test_response_rate_counts_views(client, owner):
    for _ in range(16):
        assert (
            client.post(
                f"/api/v1/sites/{owner.key}/views",
                data='{"touchpoint": "blog"}',
                headers={"Origin": "https://blog.example", "Content-Type": "text/plain"},
            ).status_code
            == 204
        )
    page = client.get(f"/admin/sites/{owner.key}/dashboard").get_data(as_text=True)
    assert "50.0 %" in page and "(8 answers / 16 views)" in page


def test_views_need_an_allowed_origin(client, site):
    assert client.post(f"/api/v1/sites/{site.key}/views", headers={"Origin": "https://evil.example"}).status_code == 403
    assert (
        client.post(
            f"/api/v1/sites/{site.key}/views", data='{"touchpoint": "<x>"}', headers={"Origin": ORIGIN}
        ).status_code
        == 422
    )


def test_followups_put_overdue_first_with_next_steps(client, db, owner):
    fresh = Response(
        site_id=owner.id,
        lang="en",
        why="Broken today",
        visitor_hash="fresh",
        token_hash="t",
        attributes={},
        created_at=utcnow() - timedelta(days=1),
    )
    fresh.set_score(1)
    db.session.add(fresh)
    db.session.commit()
    page = client.get(f"/admin/sites/{owner.key}/followups?category=detractor").get_data(as_text=True)
    # The two January detractors are more than 7 days old; yesterday's is not, and comes after them.
    assert page.count('class="badge overdue"') == 2
    assert page.index('class="badge overdue"') < page.index(f'id="r-{fresh.id}"')
    assert page.rindex('class="badge overdue"') < page.index(f'id="r-{fresh.id}"')
    assert "Contact them now (a week at most)" in page
    passives = client.get(f"/admin/sites/{owner.key}/followups?category=passive").get_data(as_text=True)
    assert "ask what would earn one more point" in passives


def test_a_long_follow_up_list_keeps_the_most_urgent_and_says_how_many_wait(client, db, owner, monkeypatch):
    import admin.insights

    def answer(score, days_ago, why):
        row = Response(site_id=owner.id, lang="en", why=why, visitor_hash=why, token_hash="t", attributes={})
        row.created_at = utcnow() - timedelta(days=days_ago)
        row.set_score(score)
        db.session.add(row)
        return row

    promoter, detractor = answer(10, 3, "Lovely"), answer(0, 1, "Broken")
    db.session.commit()
    monkeypatch.setattr(admin.insights, "FOLLOWUPS_SHOWN", 3)
    page = client.get(f"/admin/sites/{owner.key}/followups").get_data(as_text=True)
    assert "10 answers: the 3 most urgent are shown" in page
    assert page.count('class="badge overdue"') == 3  # the data set's January answers come first
    assert f'id="r-{detractor.id}"' not in page and f'id="r-{promoter.id}"' not in page
    # Among answers not yet overdue, a detractor (due within a week) before an older promoter.
    recent = utcnow().date() - timedelta(days=5)
    page = client.get(f"/admin/sites/{owner.key}/followups?from={recent}").get_data(as_text=True)
    assert page.index(f'id="r-{detractor.id}"') < page.index(f'id="r-{promoter.id}"')
    assert "2 answers." in page


def test_followup_status_and_notes(client, db, owner):
    answer = db.session.execute(
        db.select(Response).where(Response.score == 0, Response.is_duplicate.is_(False))
    ).scalar_one()
    page = client.get(f"/admin/sites/{owner.key}/followups").get_data(as_text=True)
    saved = client.post(
        f"/admin/responses/{answer.id}/followup",
        data={
            "csrf_token": csrf_from(page),
            "status": "contacted",
            "notes": "Called <b>Tuesday</b>",
            "next": "/admin/sites",
        },
    )
    assert saved.status_code == 302
    db.session.refresh(answer)
    assert answer.followup_status == "contacted" and answer.owner_notes == "Called <b>Tuesday</b>"  # as typed
    resolved = client.post(
        f"/admin/responses/{answer.id}/followup", data={"csrf_token": csrf_from(page), "status": "resolved"}
    )
    assert resolved.status_code == 302
    assert f'id="r-{answer.id}"' not in client.get(f"/admin/sites/{owner.key}/followups").get_data(as_text=True)
    assert f'id="r-{answer.id}"' in client.get(f"/admin/sites/{owner.key}/followups?status=resolved").get_data(
        as_text=True
    )


def test_respondent_history_shows_the_change(client, db, owner):
    for days, score in ((40, 2), (3, 9)):
        response = Response(
            site_id=owner.id,
            created_at=utcnow() - timedelta(days=days),
            lang="en",
            respondent="cust-9",
            visitor_hash=f"h{days}",
            token_hash="t",
            attributes={},
        )
        response.set_score(score)
        db.session.add(response)
    db.session.commit()
    page = client.get(f"/admin/sites/{owner.key}/respondents/cust-9").get_data(as_text=True)
    assert "2/10 (detractor)" in page and "9/10 (promoter)" in page and "+7 since the previous answer" in page


def test_themes_filter_the_answers(client, db, owner):
    for n, why in enumerate(["Slow checkout page", "The checkout page is slow", "Support was slow to answer"]):
        response = Response(site_id=owner.id, lang="en", why=why, visitor_hash=f"t{n}", token_hash="t", attributes={})
        response.set_score(2)
        db.session.add(response)
    db.session.commit()
    page = client.get(f"/admin/sites/{owner.key}/dashboard").get_data(as_text=True)
    assert ">checkout page</a> (2)" in page and ">slow</a> (3)" in page
    themed = client.get(f"/admin/sites/{owner.key}/followups?category=detractor&q=checkout+page&status=all").get_data(
        as_text=True
    )
    assert "Slow checkout page" in themed and "Support was slow" not in themed


def test_theme_extraction_drops_stop_words_in_both_languages():
    assert words("The support was GREAT, l'équipe est très réactive") == ["support", "great", "équipe", "réactive"]
    themes = dict(top_themes(["Le support est lent", "support lent le soir", "Great support"]))
    assert themes["support lent"] == 2 and themes["support"] == 3 and "le" not in themes


def test_dashboard_is_for_owners_of_the_site(client, app, make_user, make_site, owner):
    other = make_site(name="Other")
    assert client.get(f"/admin/sites/{other.key}/dashboard").status_code == 403
    make_user("mod@example.org", "moderator", sites=[owner])
    moderator = app.test_client()
    login(moderator, "mod@example.org")
    assert moderator.get(f"/admin/sites/{owner.key}/dashboard").status_code == 403
