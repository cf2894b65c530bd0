"""The database: SQLAlchemy 2.0 models, engine set-up, migrations, bulk writer and queries."""
