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
