"""Owners' numbers against hand-computed values on a fixed data set; exports; access."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime

import pytest

from models import Response

# (day, score, touchpoint, page, plan, duplicate)
DATA = [
    ("2026-01-05", 10, "blog", "https://blog.example/a", "trial", False),
    ("2026-01-05", 9, "blog", "https://blog.example/a", "paying", False),
    ("2026-01-05", 3, "checkout", "https://blog.example/b", "trial", False),
    ("2026-01-14", 8, "blog", "https://blog.example/a", "trial", False),
    ("2026-01-14", 7, "checkout", "https://blog.example/b", "paying", False),
    ("2026-01-14", 0, "checkout", "https://blog.example/b", "paying", False),
    ("2026-01-14", 10, "checkout", "https://blog.example/a", "paying", False),
    ("2026-02-02", 10, "blog", "https://blog.example/a", "paying", False),
    ("2026-02-02", 0, "blog", "https://blog.example/a", "paying", True),  # a duplicate: never counted
]


@pytest.fixture
def dataset(db, make_site):
    site = make_site(min_sample=1)
    for n, (day, score, touchpoint, page, plan, duplicate) in enumerate(DATA):
        response = Response(
            site_id=site.id,
            created_at=datetime.fromisoformat(day + "T12:00:00"),
            lang="en",
            touchpoint=touchpoint,
            page_url=page,
            attributes={"plan": plan},
            why=f"answer {n}",
            visitor_hash=f"v{n}",
            token_hash="t",
            is_duplicate=duplicate,
        )
        response.set_score(score)
        db.session.add(response)
    db.session.commit()  # the database counts each answer in the daily rollup as it goes in
    return site


@pytest.fixture
def owner_token(runner, make_user, dataset):
    make_user("owner@example.org", "owner", sites=[dataset])
    return {
        "Authorization": "Bearer "
        + json.loads(runner.invoke(args=["token", "create", "--email", "owner@example.org", "--json"]).output)["token"]
    }


def stats(client, site, headers, query):
    response = client.get(f"/api/v1/sites/{site.key}/stats?{query}", headers=headers)
    assert response.status_code == 200, response.json
    return response.json


def by_key(body):
    return {g["key"]: (g["nps"], g["total"], g["margin_of_error"]) for g in body["groups"]}


def test_nps_per_week_with_margin_of_error(client, dataset, owner_token):
    body = stats(client, dataset, owner_token, "by=week")
    # Week of 5 Jan: 2 promoters, 1 detractor of 3: NPS 33; 1.96*sqrt((1 - (1/3)^2)/3)*100 = 106.7
    # Week of 12 Jan: 1 / 2 / 1 of 4: NPS 0; 1.96*sqrt(.5/4)*100 = 69.3. Week of 2 Feb: 1 promoter.
    assert by_key(body) == {"2026-01-05": (33, 3, 106.7), "2026-01-12": (0, 4, 69.3), "2026-02-02": (100, 1, 0.0)}
    assert body["total"]["nps"] == 25 and body["total"]["total"] == 8  # 4 promoters, 2 detractors of 8
    assert body["scores"] == {"0": 1, "1": 0, "2": 0, "3": 1, "4": 0, "5": 0, "6": 0, "7": 1, "8": 1, "9": 1, "10": 3}


def test_nps_per_month(client, dataset, owner_token):
    # January: 3 / 2 / 2 of 7: NPS 14; 1.96*sqrt((5/7 - (1/7)^2)/7)*100 = 61.7
    assert by_key(stats(client, dataset, owner_token, "by=month")) == {
        "2026-01": (14, 7, 61.7),
        "2026-02": (100, 1, 0.0),
    }


def test_per_segment(client, dataset, owner_token):
    # blog: 3 / 1 / 0 of 4: +75, 1.96*sqrt((.75 - .75^2)/4)*100 = 42.4
    # checkout: 1 / 1 / 2 of 4: -25, 1.96*sqrt((.75 - .25^2)/4)*100 = 81.3
    assert by_key(stats(client, dataset, owner_token, "by=touchpoint")) == {
        "blog": (75, 4, 42.4),
        "checkout": (-25, 4, 81.3),
    }
    pages = by_key(stats(client, dataset, owner_token, "by=page"))
    assert pages["https://blog.example/a"][:2] == (80, 5) and pages["https://blog.example/b"][:2] == (-67, 3)
    plans = by_key(stats(client, dataset, owner_token, "by=attr:plan"))
    assert plans["paying"][:2] == (40, 5) and plans["trial"][:2] == (0, 3)


def test_filters_apply_to_everything(client, dataset, owner_token):
    blog_since = stats(client, dataset, owner_token, "by=month&touchpoint=blog&from=2026-01-10")
    assert blog_since["total"]["nps"] == 50 and blog_since["total"]["total"] == 2
    paying = stats(client, dataset, owner_token, "by=week&attr=plan:paying")
    assert by_key(paying) == {"2026-01-05": (100, 1, 0.0), "2026-01-12": (0, 3, 92.4), "2026-02-02": (100, 1, 0.0)}
    assert stats(client, dataset, owner_token, "by=week&to=2026-01-05")["total"]["total"] == 3


def test_rollup_and_raw_paths_agree(client, dataset, owner_token):
    rolled = stats(client, dataset, owner_token, "by=touchpoint")
    raw = stats(client, dataset, owner_token, "by=touchpoint&page=https://blog.example/a")
    assert rolled["groups"] != raw["groups"]  # the page filter took the raw path and narrowed it
    everything_raw = stats(client, dataset, owner_token, "by=week&attr=plan:trial")
    assert everything_raw["total"]["total"] == 3


@pytest.mark.parametrize("query", ["by=year", "by=attr:Bad Name", "from=yesterday", "attr=noval"])
def test_bad_stats_queries(client, dataset, owner_token, query):
    response = client.get(f"/api/v1/sites/{dataset.key}/stats?{query}", headers=owner_token)
    assert response.status_code == 422 and response.json["code"] == 422


def test_owner_only(client, runner, make_user, dataset, make_site):
    assert client.get(f"/api/v1/sites/{dataset.key}/stats").status_code == 401
    make_user("mod@example.org", "moderator", sites=[dataset])
    token = json.loads(runner.invoke(args=["token", "create", "--email", "mod@example.org", "--json"]).output)["token"]
    assert (
        client.get(f"/api/v1/sites/{dataset.key}/stats", headers={"Authorization": f"Bearer {token}"}).status_code
        == 403
    )
    make_user("other@example.org", "owner", sites=[make_site(name="Other")])
    token = json.loads(runner.invoke(args=["token", "create", "--email", "other@example.org", "--json"]).output)[
        "token"
    ]
    response = client.get(f"/api/v1/sites/{dataset.key}/responses", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 403


def test_csv_export_quotes_and_neutralises(client, db, dataset, owner_token):
    hostile = ['=HYPERLINK("http://evil.example","click")', "+1+1", "-2+3", "@SUM(A1)", 'a, "quoted", \nmulti-line']
    rows = db.session.execute(db.select(Response).order_by(Response.id)).scalars().all()
    for response, text in zip(rows, hostile, strict=False):
        response.why = text
    rows[0].respondent = "=cmd|' /C calc'!A0"
    db.session.commit()
    export = client.get(f"/api/v1/sites/{dataset.key}/responses?format=csv", headers=owner_token)
    assert export.status_code == 200 and export.mimetype == "text/csv"
    assert "attachment" in export.headers["Content-Disposition"]
    records = list(csv.DictReader(io.StringIO(export.get_data(as_text=True))))
    assert len(records) == 9 and records[-1]["is_duplicate"] == "true"  # duplicates too, flagged
    whys = [r["why"] for r in records[:5]]
    assert whys == ["'" + hostile[0], "'+1+1", "'-2+3", "'@SUM(A1)", 'a, "quoted", \nmulti-line']
    assert records[0]["respondent"] == "'=cmd|' /C calc'!A0"
    assert json.loads(records[0]["attributes"]) == {"plan": "trial"}


def test_csv_for_spreadsheets_and_for_scripts(client, db, dataset, owner_token):
    db.session.execute(db.select(Response).order_by(Response.id).limit(1)).scalar_one().why = "مرحبا, héllo"
    db.session.commit()
    url = f"/api/v1/sites/{dataset.key}/responses?format=csv"
    # Scripts: the API's CSV starts with its header, as it always has.
    plain = client.get(url, headers=owner_token).get_data()
    assert plain.startswith(b"id,created_at,")
    # Spreadsheets: with bom=1 it starts with a UTF-8 byte order mark, which Excel needs to read
    # the file as UTF-8; the dashboard's link asks for it.
    marked = client.get(url + "&bom=1", headers=owner_token).get_data()
    assert marked == b"\xef\xbb\xbf" + plain
    assert "مرحبا, héllo" in marked.decode("utf-8-sig")
    # Booleans are written as the JSON export writes them, never as Python's "True"/"False".
    records = list(csv.DictReader(io.StringIO(plain.decode())))
    assert {r["is_duplicate"] for r in records} == {"true", "false"}
    assert "True" not in plain.decode() and "False" not in plain.decode()


def test_dashboard_links_the_spreadsheet_csv(client, make_user, dataset):
    from tests.conftest import login

    make_user("owner@example.org", "owner", sites=[dataset])
    login(client, "owner@example.org")
    page = client.get(f"/admin/sites/{dataset.key}/dashboard").get_data(as_text=True)
    link = page.split("Export: <a href=")[1].split(">")[0].replace("&amp;", "&")
    download = client.get(link.strip('"'))
    assert download.status_code == 200 and download.get_data().startswith(b"\xef\xbb\xbfid,")


def test_json_export_with_filters(client, dataset, owner_token):
    export = client.get(
        f"/api/v1/sites/{dataset.key}/responses?format=json&category=detractor&from=2026-01-10", headers=owner_token
    )
    assert export.mimetype == "application/json"
    records = export.json
    # Exports hold every answer, duplicates included and flagged: nothing stored is hidden.
    assert [(r["score"], r["is_duplicate"]) for r in records] == [(0, False), (0, True)]


def test_the_wall_the_badge_the_api_and_the_dashboard_give_one_nps(client, db, dataset, owner_token, make_testimonial):
    """One recipe (core.stats.site_nps) for every surface: the same answers counted, the duplicate
    left out, whatever each surface reads."""
    import xml.etree.ElementTree as ET

    from core.stats import Filters, dashboard

    make_testimonial(dataset, status="approved", quote="Quick and kind")  # a tenth answer: a 10
    # Counted: 10 9 3 8 7 0 10 10 and the testimonial's 10 = 5 promoters, 2 passives, 2 detractors.
    expected = {"nps": 33, "total": 9, "promoters": 5, "passives": 2, "detractors": 2, "margin_of_error": 53.3}
    public = client.get(f"/api/v1/sites/{dataset.key}/nps").json
    wall = client.get(f"/api/v1/sites/{dataset.key}/wall").json
    api_total = stats(client, dataset, owner_token, "by=week")["total"]
    board = dashboard(dataset, Filters(), "week").total
    badge = ET.fromstring(client.get(f"/badge/{dataset.key}.svg").data).get("aria-label")
    for surface in (public, wall["nps"], api_total, board.__dict__):
        assert {key: surface[key] for key in expected} == expected
    assert badge == wall["honest"]["nps"] == "NPS +33 ±53 · 9 responses"
    page = client.get(f"/wall/{dataset.key}").get_data(as_text=True)
    assert "NPS +33 ±53 · 9 responses" in page
