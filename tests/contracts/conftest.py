from tests.collectors.conftest import sessions  # noqa: F401  (the migrated SQLite registry fixture)
