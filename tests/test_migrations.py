"""`flask db upgrade` builds the schema on a fresh database, and it is the schema of models.py."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from extensions import db
from tests.conftest import empty_database


def test_upgrade_on_a_fresh_database_matches_the_models(make_app):
    app = make_app()
    with app.app_context():
        empty_database()
        runner = app.test_cli_runner()
        result = runner.invoke(args=["db", "upgrade"])
        assert result.exit_code == 0, result.output
        tables = set(inspect(db.engine).get_table_names())
        assert {"site", "response", "testimonial", "user", "api_token", "alembic_version"} <= tables
        with db.engine.connect() as connection:
            differences = compare_metadata(MigrationContext.configure(connection), db.metadata)
        assert differences == []
        downgrade = runner.invoke(args=["db", "downgrade", "base"])
        assert downgrade.exit_code == 0, downgrade.output
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        empty_database()
        db.engine.dispose()


def test_upgrading_a_database_with_data_keeps_it(make_app):
    """0001 → head on a database that already holds answers: nothing lost, new columns filled."""
    from sqlalchemy import text

    app = make_app()
    with app.app_context():
        empty_database()
        runner = app.test_cli_runner()
        assert runner.invoke(args=["db", "upgrade", "0001_initial"]).exit_code == 0
        with db.engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO site (id, key, name, origins, default_lang, texts, consent_version, cta_urls, theme_color,"
                    " resurvey_days, consent_scope, min_sample, is_demo, created_at)"
                    " VALUES (1, 'k', 'Blog', '[]', 'en', '{}', 1, '{}', '#000000', 90, 'promoters', 30, false, '2026-01-01')"
                )
            )
            connection.execute(
                text(
                    "INSERT INTO response (id, site_id, score, category, lang, attributes, visitor_hash, is_duplicate,"
                    " token_hash, created_at, updated_at)"
                    " VALUES (1, 1, 10, 'promoter', 'en', '{}', 'v', false, 't', '2026-01-01', '2026-01-01')"
                )
            )
            connection.execute(
                text(
                    "INSERT INTO testimonial (id, response_id, site_id, quote, consent_text, consent_version, consented_at,"
                    " status, created_at, updated_at)"
                    " VALUES (1, 1, 1, 'Kept', 'I agree', 1, '2026-01-01', 'approved', '2026-01-01', '2026-01-01')"
                )
            )
            connection.execute(
                text(
                    'INSERT INTO "user" (id, email, password_hash, role, all_sites, created_at)'
                    " VALUES (1, 'a@b.org', 'x', 'owner', true, '2026-01-01')"
                )
            )
        assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
        with db.engine.connect() as connection:
            row = connection.execute(text("SELECT quote, featured, original_quote FROM testimonial")).one()
            assert tuple(row) == ("Kept", False, None)
            assert connection.execute(text('SELECT session_version FROM "user"')).scalar() == 1
        with db.engine.begin() as connection:
            # 0004 counted the answer already there; from 0005 on, the database counts new ones.
            assert connection.execute(text("SELECT sum(count) FROM daily_count")).scalar() == 1
            connection.execute(
                text(
                    "INSERT INTO response (id, site_id, score, category, lang, attributes, visitor_hash, is_duplicate,"
                    " token_hash, followup_status, created_at, updated_at)"
                    " VALUES (2, 1, 3, 'detractor', 'en', '{}', 'w', false, 't', 'new', '2026-01-02', '2026-01-02')"
                )
            )
            counted = connection.execute(text("SELECT day, score, count FROM daily_count ORDER BY day")).all()
            assert [(str(day), score, count) for day, score, count in counted] == [
                ("2026-01-01", 10, 1),
                ("2026-01-02", 3, 1),
            ]
        empty_database()
        db.engine.dispose()


def test_0007_gives_each_testimonial_a_link_secret_and_never_reuses_ids(make_app):
    """Ids an erasure frees are never handed out again (SQLite: the tables are rebuilt with
    AUTOINCREMENT), the rows and the rollup triggers survive the rebuild, and every testimonial
    gets a private link secret of its own."""
    from sqlalchemy import text

    app = make_app()
    with app.app_context():
        empty_database()
        runner = app.test_cli_runner()
        assert runner.invoke(args=["db", "upgrade", "0005_rollup_triggers"]).exit_code == 0
        with db.engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO site (id, key, name, origins, default_lang, texts, consent_version, cta_urls, theme_color,"
                    " resurvey_days, consent_scope, min_sample, is_demo, wall_jsonld, public_version, created_at)"
                    " VALUES (1, 'k', 'Blog', '[]', 'en', '{}', 1, '{}', '#000000', 90, 'promoters', 30, false, false,"
                    " 1, '2026-01-01')"
                )
            )
            for n in (1, 2, 3):
                connection.execute(
                    text(
                        "INSERT INTO response (id, site_id, score, category, lang, attributes, visitor_hash,"
                        " is_duplicate, token_hash, followup_status, created_at, updated_at)"
                        " VALUES (:n, 1, 10, 'promoter', 'en', '{}', :v, false, 't', 'new', '2026-01-01',"
                        " '2026-01-01')"
                    ),
                    {"n": n, "v": f"v{n}"},
                )
                connection.execute(
                    text(
                        "INSERT INTO testimonial (id, response_id, site_id, quote, consent_text, consent_version,"
                        " consented_at, status, featured, created_at, updated_at)"
                        " VALUES (:n, :n, 1, :quote, 'I agree', 1, '2026-01-01', 'approved', false,"
                        " '2026-01-01', '2026-01-01')"
                    ),
                    {"n": n, "quote": f"Words {n}"},
                )
            if connection.dialect.name == "postgresql":  # rows the app made would have moved them
                for table in ("response", "testimonial"):
                    connection.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), 3)"))
        assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
        with db.engine.begin() as connection:
            rows = connection.execute(text("SELECT id, quote, link_secret FROM testimonial ORDER BY id")).all()
            assert [(i, q) for i, q, _ in rows] == [(1, "Words 1"), (2, "Words 2"), (3, "Words 3")]
            secrets_ = [s for _, _, s in rows]
            assert len(set(secrets_)) == 3 and all(len(s) >= 32 for s in secrets_)
            assert connection.execute(text("SELECT sum(count) FROM daily_count")).scalar() == 3
            # The highest ids are erased, then new rows come: they get new ids.
            connection.execute(text("DELETE FROM testimonial WHERE id = 3"))
            connection.execute(text("DELETE FROM response WHERE id = 3"))
            assert connection.execute(text("SELECT sum(count) FROM daily_count")).scalar() == 2  # triggers kept
            new_response = connection.execute(
                text(
                    "INSERT INTO response (site_id, score, category, lang, attributes, visitor_hash, is_duplicate,"
                    " token_hash, followup_status, created_at, updated_at)"
                    " VALUES (1, 9, 'promoter', 'en', '{}', 'w', false, 't', 'new', '2026-01-02', '2026-01-02')"
                    " RETURNING id"
                )
            ).scalar()
            new_testimonial = connection.execute(
                text(
                    "INSERT INTO testimonial (response_id, site_id, quote, status, featured, link_secret, created_at,"
                    " updated_at) VALUES (:r, 1, 'New', 'pending', false, 'fresh', '2026-01-02', '2026-01-02')"
                    " RETURNING id"
                ),
                {"r": new_response},
            ).scalar()
            assert new_response > 3 and new_testimonial > 3
            assert connection.execute(text("SELECT sum(count) FROM daily_count")).scalar() == 3
        with db.engine.begin() as connection:
            # Foreign keys survived the rebuild: erasing an answer still takes its testimonial.
            connection.execute(text("DELETE FROM response WHERE id = 2"))
            assert connection.execute(text("SELECT id FROM testimonial ORDER BY id")).scalars().all() == [
                1,
                new_testimonial,
            ]
        assert runner.invoke(args=["db", "downgrade", "0005_rollup_triggers"]).exit_code == 0
        with db.engine.connect() as connection:
            assert connection.execute(text("SELECT count(*) FROM testimonial")).scalar() == 2
        empty_database()
        db.engine.dispose()


def test_0012_gives_every_existing_answer_the_web_channel_and_keeps_the_rollup(make_app):
    """Answers from before channels came through the widget: `web`. The column is added and
    dropped in place, so the rollup triggers and the answers survive both ways."""
    from sqlalchemy import text

    app = make_app()
    with app.app_context():
        empty_database()
        runner = app.test_cli_runner()
        assert runner.invoke(args=["db", "upgrade", "0009_user_language"]).exit_code == 0
        answer = (
            "INSERT INTO response (id, site_id, score, category, lang, attributes, visitor_hash, is_duplicate,"
            " token_hash, followup_status, respondent_proven, created_at, updated_at)"
            " VALUES (:n, 1, :score, 'promoter', 'en', '{}', :v, false, 't', 'new', false, '2026-01-01', '2026-01-01')"
        )
        with db.engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO site (id, key, name, origins, default_lang, texts, consent_version, cta_urls,"
                    " theme_color, resurvey_days, consent_scope, min_sample, is_demo, wall_jsonld, public_version,"
                    " wall_minimum, identity_secret, created_at) VALUES (1, 'k', 'Blog', '[]', 'en', '{}', 1, '{}',"
                    " '#000000', 90, 'promoters', 30, false, false, 1, 1, 's', '2026-01-01')"
                )
            )
            for n in (1, 2):
                connection.execute(text(answer), {"n": n, "score": 9 + n % 2, "v": f"v{n}"})
            if connection.dialect.name == "postgresql":  # rows the app made would have moved it
                connection.execute(text("SELECT setval(pg_get_serial_sequence('response', 'id'), 2)"))
        assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
        with db.engine.begin() as connection:
            assert connection.execute(text("SELECT id, channel FROM response ORDER BY id")).all() == [
                (1, "web"),
                (2, "web"),
            ]
            # A writer that names no channel (a script, an old process) writes a web answer.
            connection.execute(text(answer), {"n": 3, "score": 10, "v": "v3"})
            connection.execute(
                text(answer.replace("(id,", "(channel, id,").replace("VALUES (", "VALUES ('link', ")),
                {"n": 4, "score": 9, "v": "v4"},
            )
            assert connection.execute(text("SELECT channel FROM response ORDER BY id")).scalars().all() == [
                "web",
                "web",
                "web",
                "link",
            ]
            assert connection.execute(text("SELECT sum(count) FROM daily_count")).scalar() == 4  # triggers kept
        assert runner.invoke(args=["db", "downgrade", "0009_user_language"]).exit_code == 0
        with db.engine.begin() as connection:
            assert connection.execute(text("SELECT count(*) FROM response")).scalar() == 4
            connection.execute(text("DELETE FROM response WHERE id = 4"))
            assert connection.execute(text("SELECT sum(count) FROM daily_count")).scalar() == 3
            columns = {c["name"] for c in inspect(connection).get_columns("response")}
            assert "channel" not in columns
        empty_database()
        db.engine.dispose()
