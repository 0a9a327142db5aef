"""Trigram indexes for the name search on PostgreSQL (``icontains`` → ``UPPER(name) LIKE``).

pg_trgm is a trusted extension (PostgreSQL 13+), so the database owner may create it. SQLite has
no such index; there the search scans, which stays fast at 100,000 rows.
"""

from django.db import migrations

FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS company_name_trgm ON partners_company "
    "USING gin (UPPER(name::text) gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS company_name_en_trgm ON partners_company "
    "USING gin (UPPER(name_en::text) gin_trgm_ops)",
]
BACKWARD = [
    "DROP INDEX IF EXISTS company_name_en_trgm",
    "DROP INDEX IF EXISTS company_name_trgm",
]


def _run(statements):
    def apply(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for sql in statements:
            schema_editor.execute(sql)

    return apply


class Migration(migrations.Migration):
    dependencies = [("partners", "0002_company_name_id_index")]

    operations = [migrations.RunPython(_run(FORWARD), _run(BACKWARD))]
