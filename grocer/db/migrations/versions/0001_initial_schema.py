"""Initial schema: every table of DESIGN §5, and the four companies

Revision ID: 0001
Revises:
Create Date: 2026-11-24 00:04:30.077912
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "analysis_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("summary", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_analysis_runs")),
    )
    op.create_table(
        "brands",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("variations", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_brands")),
        sa.UniqueConstraint("key", name=op.f("uq_brands_key")),
    )
    op.create_table(
        "companies",
        sa.Column("id", sa.SmallInteger(), nullable=False),
        sa.Column("slug", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=50), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_companies")),
        sa.UniqueConstraint("slug", name=op.f("uq_companies_slug")),
    )
    companies = sa.table(
        "companies", sa.column("id", sa.SmallInteger), sa.column("slug"), sa.column("name")
    )
    op.bulk_insert(
        companies,
        [
            {"id": 1, "slug": "coles", "name": "Coles"},
            {"id": 2, "slug": "woolworths", "name": "Woolworths"},
            {"id": 3, "slug": "aldi", "name": "Aldi"},
            {"id": 4, "slug": "iga", "name": "IGA"},
        ],
    )
    op.create_table(
        "comparison_cache",
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.PrimaryKeyConstraint("kind", "key", name=op.f("pk_comparison_cache")),
    )
    op.create_table(
        "categories",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.SmallInteger(), nullable=False),
        sa.Column("path", sa.String(length=500), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("depth", sa.SmallInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"], ["companies.id"], name=op.f("fk_categories_company_id_companies")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_categories")),
        sa.UniqueConstraint("company_id", "path", name=op.f("uq_categories_company_id_path")),
    )
    op.create_table(
        "products",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=500), nullable=False),
        sa.Column("brand_id", sa.Integer(), nullable=True),
        sa.Column("size_text", sa.String(length=100), nullable=True),
        sa.Column("sizes", sa.String(length=200), nullable=False),
        sa.Column("matching_key", sa.String(length=255), nullable=True),
        sa.Column("barcode", sa.String(length=14), nullable=True),
        sa.Column("barcode_checked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["brand_id"], ["brands.id"], name=op.f("fk_products_brand_id_brands")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_products")),
        sa.UniqueConstraint("barcode", name=op.f("uq_products_barcode")),
        sa.UniqueConstraint("matching_key", name=op.f("uq_products_matching_key")),
    )
    with op.batch_alter_table("products", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_products_brand_id"), ["brand_id"], unique=False)

    op.create_table(
        "stores",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.SmallInteger(), nullable=False),
        sa.Column("retailer_store_id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=True),
        sa.Column("banner", sa.String(length=50), nullable=True),
        sa.Column("address", sa.String(length=300), nullable=True),
        sa.Column("suburb", sa.String(length=100), nullable=True),
        sa.Column("state", sa.String(length=3), nullable=True),
        sa.Column("postcode", sa.String(length=4), nullable=True),
        sa.Column("latitude", sa.Float(), nullable=True),
        sa.Column("longitude", sa.Float(), nullable=True),
        sa.Column("aux_id", sa.String(length=32), nullable=True),
        sa.Column("timezone", sa.String(length=40), nullable=False),
        sa.Column("crawlable", sa.Boolean(), nullable=False),
        sa.Column("not_crawlable_reason", sa.String(length=200), nullable=True),
        sa.Column("last_crawled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("needs_rescrape", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"], ["companies.id"], name=op.f("fk_stores_company_id_companies")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stores")),
        sa.UniqueConstraint(
            "company_id", "retailer_store_id", name=op.f("uq_stores_company_id_retailer_store_id")
        ),
    )
    op.create_table(
        "category_links",
        sa.Column("category_a", sa.Integer(), nullable=False),
        sa.Column("category_b", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.CheckConstraint(
            "kind IN ('MATCH', 'CLOSE', 'DISTANT')", name=op.f("ck_category_links_kind")
        ),
        sa.CheckConstraint("category_a < category_b", name=op.f("ck_category_links_ordered")),
        sa.ForeignKeyConstraint(
            ["category_a"], ["categories.id"], name=op.f("fk_category_links_category_a_categories")
        ),
        sa.ForeignKeyConstraint(
            ["category_b"], ["categories.id"], name=op.f("fk_category_links_category_b_categories")
        ),
        sa.PrimaryKeyConstraint("category_a", "category_b", name=op.f("pk_category_links")),
    )
    op.create_table(
        "crawl_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("spider", sa.String(length=50), nullable=False),
        sa.Column("company_id", sa.SmallInteger(), nullable=True),
        sa.Column("store_id", sa.Integer(), nullable=True),
        sa.Column("observed_on", sa.Date(), nullable=True),
        sa.Column("source", sa.String(length=1000), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finish_reason", sa.String(length=50), nullable=True),
        sa.Column("complete", sa.Boolean(), nullable=False),
        sa.Column("items", sa.Integer(), nullable=False),
        sa.Column("rejected", sa.Integer(), nullable=False),
        sa.Column("stats", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"], ["companies.id"], name=op.f("fk_crawl_runs_company_id_companies")
        ),
        sa.ForeignKeyConstraint(
            ["store_id"], ["stores.id"], name=op.f("fk_crawl_runs_store_id_stores")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_crawl_runs")),
    )
    with op.batch_alter_table("crawl_runs", schema=None) as batch_op:
        batch_op.create_index(
            "ix_crawl_runs_store_observed", ["store_id", "observed_on"], unique=False
        )

    op.create_table(
        "embeddings",
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("model", sa.String(length=100), nullable=False),
        sa.Column("text_hash", sa.String(length=32), nullable=False),
        sa.Column("vector", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["product_id"], ["products.id"], name=op.f("fk_embeddings_product_id_products")
        ),
        sa.PrimaryKeyConstraint("product_id", "model", name=op.f("pk_embeddings")),
    )
    with op.batch_alter_table("embeddings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_embeddings_text_hash"), ["text_hash"], unique=False)

    op.create_table(
        "listings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.SmallInteger(), nullable=False),
        sa.Column("sku", sa.String(length=64), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("category_id", sa.Integer(), nullable=True),
        sa.Column("url", sa.String(length=1000), nullable=True),
        sa.Column("instore_code", sa.String(length=14), nullable=True),
        sa.ForeignKeyConstraint(
            ["category_id"], ["categories.id"], name=op.f("fk_listings_category_id_categories")
        ),
        sa.ForeignKeyConstraint(
            ["company_id"], ["companies.id"], name=op.f("fk_listings_company_id_companies")
        ),
        sa.ForeignKeyConstraint(
            ["product_id"], ["products.id"], name=op.f("fk_listings_product_id_products")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_listings")),
        sa.UniqueConstraint("company_id", "sku", name=op.f("uq_listings_company_id_sku")),
    )
    with op.batch_alter_table("listings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_listings_category_id"), ["category_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_listings_product_id"), ["product_id"], unique=False)

    op.create_table(
        "store_groups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.SmallInteger(), nullable=False),
        sa.Column("anchor_store_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["anchor_store_id"], ["stores.id"], name=op.f("fk_store_groups_anchor_store_id_stores")
        ),
        sa.ForeignKeyConstraint(
            ["company_id"], ["companies.id"], name=op.f("fk_store_groups_company_id_companies")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_store_groups")),
    )
    op.create_table(
        "substitutions",
        sa.Column("product_a", sa.Integer(), nullable=False),
        sa.Column("product_b", sa.Integer(), nullable=False),
        sa.Column("level", sa.SmallInteger(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.CheckConstraint("level BETWEEN 1 AND 4", name=op.f("ck_substitutions_level")),
        sa.CheckConstraint("product_a < product_b", name=op.f("ck_substitutions_ordered")),
        sa.ForeignKeyConstraint(
            ["product_a"], ["products.id"], name=op.f("fk_substitutions_product_a_products")
        ),
        sa.ForeignKeyConstraint(
            ["product_b"], ["products.id"], name=op.f("fk_substitutions_product_b_products")
        ),
        sa.PrimaryKeyConstraint("product_a", "product_b", name=op.f("pk_substitutions")),
    )
    with op.batch_alter_table("substitutions", schema=None) as batch_op:
        batch_op.create_index("ix_substitutions_product_b", ["product_b"], unique=False)

    op.create_table(
        "crawl_pages",
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("page", sa.String(length=500), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"], ["crawl_runs.id"], name=op.f("fk_crawl_pages_run_id_crawl_runs")
        ),
        sa.PrimaryKeyConstraint("run_id", "page", name=op.f("pk_crawl_pages")),
    )
    op.create_table(
        "group_memberships",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("store_id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("anchor_store_id", sa.Integer(), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.Column("verified_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["anchor_store_id"],
            ["stores.id"],
            name=op.f("fk_group_memberships_anchor_store_id_stores"),
        ),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["store_groups.id"],
            name=op.f("fk_group_memberships_group_id_store_groups"),
        ),
        sa.ForeignKeyConstraint(
            ["store_id"], ["stores.id"], name=op.f("fk_group_memberships_store_id_stores")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_group_memberships")),
    )
    with op.batch_alter_table("group_memberships", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_group_memberships_group_id"), ["group_id"], unique=False
        )
        batch_op.create_index(
            "ix_group_memberships_store", ["store_id", "valid_from"], unique=False
        )

    op.create_table(
        "prices",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("store_id", sa.Integer(), nullable=False),
        sa.Column("listing_id", sa.Integer(), nullable=False),
        sa.Column("price", sa.Numeric(precision=10, scale=2), nullable=False),
        sa.Column("was_price", sa.Numeric(precision=10, scale=2), nullable=True),
        sa.Column("unit_price", sa.Numeric(precision=12, scale=4), nullable=True),
        sa.Column("unit", sa.String(length=4), nullable=True),
        sa.Column("unit_text", sa.String(length=100), nullable=True),
        sa.Column("is_special", sa.Boolean(), nullable=False),
        sa.Column("promo_text", sa.String(length=200), nullable=True),
        sa.Column("price_hash", sa.String(length=32), nullable=False),
        sa.Column("first_seen", sa.Date(), nullable=False),
        sa.Column("last_seen", sa.Date(), nullable=False),
        sa.CheckConstraint("first_seen <= last_seen", name=op.f("ck_prices_interval")),
        sa.CheckConstraint("price >= 0", name=op.f("ck_prices_price_non_negative")),
        sa.ForeignKeyConstraint(
            ["listing_id"], ["listings.id"], name=op.f("fk_prices_listing_id_listings")
        ),
        sa.ForeignKeyConstraint(
            ["store_id"], ["stores.id"], name=op.f("fk_prices_store_id_stores")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_prices")),
        sa.UniqueConstraint(
            "store_id",
            "listing_id",
            "first_seen",
            name=op.f("uq_prices_store_id_listing_id_first_seen"),
        ),
    )
    with op.batch_alter_table("prices", schema=None) as batch_op:
        batch_op.create_index("ix_prices_last_seen", ["last_seen"], unique=False)
        batch_op.create_index("ix_prices_listing", ["listing_id"], unique=False)

    op.create_table(
        "bargains",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("cheap_store_id", sa.Integer(), nullable=False),
        sa.Column(
            "cheap_price_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("dear_store_id", sa.Integer(), nullable=False),
        sa.Column(
            "dear_price_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("discount", sa.Numeric(precision=6, scale=4), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["cheap_price_id"], ["prices.id"], name=op.f("fk_bargains_cheap_price_id_prices")
        ),
        sa.ForeignKeyConstraint(
            ["cheap_store_id"], ["stores.id"], name=op.f("fk_bargains_cheap_store_id_stores")
        ),
        sa.ForeignKeyConstraint(
            ["dear_price_id"], ["prices.id"], name=op.f("fk_bargains_dear_price_id_prices")
        ),
        sa.ForeignKeyConstraint(
            ["dear_store_id"], ["stores.id"], name=op.f("fk_bargains_dear_store_id_stores")
        ),
        sa.ForeignKeyConstraint(
            ["product_id"], ["products.id"], name=op.f("fk_bargains_product_id_products")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bargains")),
    )
    with op.batch_alter_table("bargains", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_bargains_product_id"), ["product_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("bargains", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_bargains_product_id"))

    op.drop_table("bargains")
    with op.batch_alter_table("prices", schema=None) as batch_op:
        batch_op.drop_index("ix_prices_listing")
        batch_op.drop_index("ix_prices_last_seen")

    op.drop_table("prices")
    with op.batch_alter_table("group_memberships", schema=None) as batch_op:
        batch_op.drop_index("ix_group_memberships_store")
        batch_op.drop_index(batch_op.f("ix_group_memberships_group_id"))

    op.drop_table("group_memberships")
    op.drop_table("crawl_pages")
    with op.batch_alter_table("substitutions", schema=None) as batch_op:
        batch_op.drop_index("ix_substitutions_product_b")

    op.drop_table("substitutions")
    op.drop_table("store_groups")
    with op.batch_alter_table("listings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_listings_product_id"))
        batch_op.drop_index(batch_op.f("ix_listings_category_id"))

    op.drop_table("listings")
    with op.batch_alter_table("embeddings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_embeddings_text_hash"))

    op.drop_table("embeddings")
    with op.batch_alter_table("crawl_runs", schema=None) as batch_op:
        batch_op.drop_index("ix_crawl_runs_store_observed")

    op.drop_table("crawl_runs")
    op.drop_table("category_links")
    op.drop_table("stores")
    with op.batch_alter_table("products", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_products_brand_id"))

    op.drop_table("products")
    op.drop_table("categories")
    op.drop_table("comparison_cache")
    op.drop_table("companies")
    op.drop_table("brands")
    op.drop_table("analysis_runs")
