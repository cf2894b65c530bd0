"""Crawl runs get a lifecycle: a status instead of ``complete``, attempts, a heartbeat, where
they run; checks on a run get a table.

``status`` is one of pending, running, interrupted, complete, partial, failed, skipped.  Old
rows: complete -> ``complete``; finished but not complete -> ``partial``; never finished ->
``failed``.  A run keeps its spider arguments (``args``), so it can be resumed as it was
started.  Barcode runs get their own ``kind``, ``barcodes``.  ``run_checks`` holds one
verdict per check and run.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("crawl_runs", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("status", sa.String(length=12), server_default="pending", nullable=False)
        )
        batch_op.add_column(sa.Column("attempt", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("node", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("host", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("pid", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("args", sa.JSON(), nullable=True))
    runs = sa.table(
        "crawl_runs",
        sa.column("spider", sa.String),
        sa.column("kind", sa.String),
        sa.column("status", sa.String),
        sa.column("attempt", sa.Integer),
        sa.column("complete", sa.Boolean),
        sa.column("finished_at", sa.DateTime),
        sa.column("args", sa.JSON),
    )
    op.execute(runs.update().where(runs.c.complete.is_(True)).values(status="complete"))
    op.execute(
        runs.update()
        .where(runs.c.complete.is_not(True), runs.c.finished_at.is_not(None))
        .values(status="partial")
    )
    op.execute(runs.update().where(runs.c.finished_at.is_(None)).values(status="failed"))
    op.execute(runs.update().values(attempt=1, args={}))
    op.execute(runs.update().where(runs.c.spider == "coles_barcodes").values(kind="barcodes"))
    with op.batch_alter_table("crawl_runs", schema=None) as batch_op:
        batch_op.alter_column("args", existing_type=sa.JSON(), nullable=False)
        batch_op.drop_column("complete")
        batch_op.create_index("ix_crawl_runs_status", ["status"], unique=False)
    op.create_table(
        "run_checks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("passed", sa.Boolean(), nullable=False),
        sa.Column("value", sa.JSON(), nullable=True),
        sa.Column("threshold", sa.JSON(), nullable=True),
        sa.Column("reason", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["crawl_runs.id"],
            name=op.f("fk_run_checks_run_id_crawl_runs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_run_checks")),
        sa.UniqueConstraint("run_id", "name", name=op.f("uq_run_checks_run_id_name")),
    )


def downgrade() -> None:
    op.drop_table("run_checks")
    with op.batch_alter_table("crawl_runs", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("complete", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    runs = sa.table(
        "crawl_runs",
        sa.column("kind", sa.String),
        sa.column("status", sa.String),
        sa.column("complete", sa.Boolean),
    )
    op.execute(runs.update().where(runs.c.status == "complete").values(complete=True))
    op.execute(runs.update().where(runs.c.kind == "barcodes").values(kind="full"))
    with op.batch_alter_table("crawl_runs", schema=None) as batch_op:
        batch_op.drop_index("ix_crawl_runs_status")
        batch_op.drop_column("heartbeat_at")
        batch_op.drop_column("node")
        batch_op.drop_column("host")
        batch_op.drop_column("pid")
        batch_op.drop_column("args")
        batch_op.drop_column("attempt")
        batch_op.drop_column("status")
