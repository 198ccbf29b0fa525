"""Idempotency keys are unique per (exercise, student), no longer across all submissions.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-05
"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

OLD = "uq_submissions_idempotency_key"
NEW = "uq_submissions_exercise_student_idempotency_key"


def upgrade() -> None:
    # Batch mode: SQLite cannot drop a constraint in place, so the table is copied there.
    with op.batch_alter_table("submissions") as batch:
        batch.drop_constraint(OLD, type_="unique")
        batch.create_unique_constraint(NEW, ["exercise_id", "student_id", "idempotency_key"])


def downgrade() -> None:
    """Fails if two submissions now share a key: the old, global rule cannot hold them both."""
    with op.batch_alter_table("submissions") as batch:
        batch.drop_constraint(NEW, type_="unique")
        batch.create_unique_constraint(OLD, ["idempotency_key"])
