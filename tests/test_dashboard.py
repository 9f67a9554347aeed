"""The owner's dashboard and follow-up list, on the fixed data set of test_insights."""

from __future__ import annotations

import itertools
import re
from datetime import timedelta

import pytest
from babel.dates import format_date

from core.themes import top_themes, words
from models import Response, User, utcnow
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


@pytest.mark.parametrize("query", ["", "?from=2026-01-01&to=2026-12-31&touchpoint=blog"])
def test_no_dashboard_query_runs_twice(client, db, owner, query):
    """Each figure is queried once: the category matrix comes from the touchpoint breakdown."""
    from sqlalchemy import event

    ran = []

    def seen(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("SELECT"):
            ran.append((statement, repr(parameters)))

    event.listen(db.engine, "before_cursor_execute", seen)
    try:
        assert client.get(f"/admin/sites/{owner.key}/dashboard{query}").status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", seen)
    repeated = {statement for statement in ran if ran.count(statement) > 1}
    assert not repeated, repeated


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
    assert "50.0%" in page and "(8 answers / 16 views)" in page  # CLDR's English percentage


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
    # The dataset's three old detractors (one a repeat answer, listed too) are more than 7 days
    # old; yesterday's is not, and comes after them.
    assert page.count('class="badge overdue"') == 3
    assert page.index('class="badge overdue"') < page.index(f'id="r-{fresh.id}"')
    assert page.rindex('class="badge overdue"') < page.index(f'id="r-{fresh.id}"')
    assert "Contact them now (a week at most)" in page
    passives = client.get(f"/admin/sites/{owner.key}/followups?category=passive").get_data(as_text=True)
    assert "ask what would earn one more point" in passives


def recent_answer(db, site, score: int, days_ago: float, why: str, status: str = "new") -> Response:
    row = Response(site_id=site.id, lang="en", why=why, visitor_hash=why, token_hash="t", attributes={})
    row.created_at = utcnow() - timedelta(days=days_ago)
    row.followup_status = status
    row.set_score(score)
    db.session.add(row)
    return row


def card_order(page: str, rows) -> list:
    """The rows in the order their cards stand on the page (absent ones left out)."""
    shown = [r for r in rows if f'id="r-{r.id}"' in page]
    return sorted(shown, key=lambda r: page.index(f'id="r-{r.id}"'))


def test_followups_are_ordered_by_when_each_is_due(client, db, owner):
    expected = [
        recent_answer(db, owner, 0, 0, "today's detractor"),  # due at once
        recent_answer(db, owner, 7, 90, "passive left three months"),  # overdue for 83 days
        recent_answer(db, owner, 10, 20, "promoter of three weeks ago"),  # overdue for 6 days
        recent_answer(db, owner, 9, 10, "promoter of ten days ago"),  # due in 4 days
        recent_answer(db, owner, 8, 2, "passive of two days ago"),  # due in 5 days
        recent_answer(db, owner, 10, 1, "promoter of yesterday"),  # due in 13 days
        recent_answer(db, owner, 3, 2, "detractor already contacted", status="contacted"),
    ]
    db.session.commit()
    since = utcnow().date() - timedelta(days=100)  # leaves out the data set's January answers
    page = client.get(f"/admin/sites/{owner.key}/followups?from={since}").get_data(as_text=True)
    assert [r.why for r in card_order(page, expected)] == [r.why for r in expected]
    assert "7 answers, most urgent first" in page
    assert page.count('class="badge overdue"') == 2  # the passive and the promoter left past their time
    # Dates as the reader's language writes them ("Dec 8, 2026"), from CLDR.
    assert f"due at once, by {format_date(utcnow() + timedelta(days=7), 'medium', locale='en')}" in page
    assert f"due by {format_date(utcnow() + timedelta(days=13), 'medium', locale='en')}" in page


def test_followups_are_paginated_and_keep_their_filters(client, db, owner, monkeypatch):
    import admin.insights

    monkeypatch.setattr(admin.insights, "FOLLOWUPS_PER_PAGE", 3)
    rows = [recent_answer(db, owner, 0, days, f"slow checkout {days}") for days in range(8)]
    db.session.commit()
    query = f"/admin/sites/{owner.key}/followups?category=detractor&q=checkout"
    first = client.get(query).get_data(as_text=True)
    assert "8 answers, most urgent first" in first and "Page 1 of 3" in first
    assert 'rel="prev"' not in first
    assert f'href="/admin/sites/{owner.key}/followups?category=detractor&amp;q=checkout&amp;p=2" rel="next"' in first
    second = client.get(query + "&p=2").get_data(as_text=True)
    assert "Page 2 of 3" in second and '&amp;p=1" rel="prev"' in second and '&amp;p=3" rel="next"' in second
    oldest_first = sorted(rows, key=lambda r: r.created_at)
    assert card_order(first, rows) == oldest_first[:3] and card_order(second, rows) == oldest_first[3:6]
    past_the_end = client.get(query + "&p=9").get_data(as_text=True)  # e.g. the last ones were resolved
    assert "Page 3 of 3" in past_the_end and card_order(past_the_end, rows) == oldest_first[6:]
    # The follow-up form brings its saver back to the same page of the same selection.
    assert f'name="next" value="{query.replace("&", "&amp;")}&amp;p=2#r-' in second
    for bad in ("0", "-1", "abc", "1.5", "99999999999"):
        response = client.get(query + f"&p={bad}")
        assert response.status_code == 400 and "page number" in response.get_data(as_text=True)


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


def test_the_timeline_names_its_periods_under_the_bars(client, owner):
    page = client.get(f"/admin/sites/{owner.key}/dashboard").get_data(as_text=True)
    timeline = page.split("NPS over time")[1].split("<h2>Scores")[0]
    assert re.findall(r'<text [^>]*class="tick">(\d{4}-\d\d-\d\d)</text>', timeline) == [
        "2026-01-05",
        "2026-01-12",
        "2026-02-02",
    ]


def test_a_long_timeline_names_periods_without_overlap():
    from core.charts import TICK_CHAR_WIDTH, timeline
    from core.nps import summarise

    weeks = [(f"2026-W{n:02d}", summarise({"promoter": n, "passive": 1, "detractor": 1}, 1)) for n in range(1, 53)]
    chart = timeline(weeks)
    named = [b for b in chart["bars"] if b["show_label"]]
    assert named[-1] is chart["bars"][-1]  # the latest period is always named
    assert 5 <= len(named) < 52
    centres = [b["x"] + b["w"] / 2 for b in named]
    assert min(b - a for a, b in itertools.pairwise(centres)) >= len("2026-W01") * TICK_CHAR_WIDTH
    assert all(b["show_label"] for b in timeline(weeks[:4])["bars"])  # room for every name


def test_a_repeat_answer_still_waits_in_the_follow_ups(client, db, make_user, make_site):
    """Left out of the NPS, but someone who asked to be contacted: a shop's counter tablet sends
    every customer's answer as one visitor."""
    site = make_site(name="Counter")
    make_user("counter@example.org", "owner", sites=[site])
    for score, why in ((10, "Lovely"), (2, "Cold bread, call me")):
        created = client.post(f"/api/v1/sites/{site.key}/responses", json={"score": score}, headers={"Origin": ORIGIN})
        headers = {"Origin": ORIGIN, "Authorization": f"Bearer {created.json['token']}"}
        client.patch(
            f"/api/v1/responses/{created.json['id']}", json={"why": why, "email": "c@example.fr"}, headers=headers
        )
    repeat = db.session.execute(db.select(Response).filter_by(site_id=site.id, score=2)).scalar_one()
    assert repeat.is_duplicate
    login(client, "counter@example.org")
    page = client.get(f"/admin/sites/{site.key}/followups").get_data(as_text=True)
    assert f'id="r-{repeat.id}"' in page and "Cold bread, call me" in page and "repeat answer (not counted)" in page


def test_dashboard_counts_in_the_readers_language(client, db, owner):
    """The browser's language picks the back office's, the user's own setting wins over it, and
    counts take the language's plural forms and digit grouping."""
    url = f"/admin/sites/{owner.key}/dashboard"
    french = client.get(url, headers={"Accept-Language": "fr-CA,fr;q=0.9,en;q=0.5"}).get_data(as_text=True)
    assert '<span class="big">8</span> réponses (4 promoteurs, 2 passifs, 2 détracteurs)' in french
    assert "2026-01-05: NPS +33 ±106,7 (3 réponses)" in french  # the margin's decimal comma

    user = db.session.execute(db.select(User).filter_by(email="owner@example.org")).scalar_one()
    user.language = "en"
    db.session.commit()
    english = client.get(url, headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert '<span class="big">8</span> answers (4 promoters' in english


def test_counts_follow_cldr_plurals_and_grouping(app):
    from flask_babel import force_locale, format_number, ngettext

    with app.test_request_context(), force_locale("fr"):
        answers = [ngettext("%(count)s answer", "%(count)s answers", n, count=format_number(n)) for n in (0, 1, 1234)]
    assert answers == ["0 réponse", "1 réponse", "1\u202f234 réponses"]
    with app.test_request_context(), force_locale("en"):
        assert ngettext("%(count)s answer", "%(count)s answers", 0, count=format_number(0)) == "0 answers"
