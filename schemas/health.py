"""Liveness and readiness bodies."""

from marshmallow import Schema, fields


class LivenessSchema(Schema):
    status = fields.String(metadata={"description": "ok while the process serves requests"})


class EngineSchema(Schema):
    backend = fields.String(metadata={"description": "numpy or cupy"})
    device = fields.String(metadata={"description": "cpu, or the CUDA device"})
    reason = fields.String(metadata={"description": "Why this backend was chosen"})


class ReadinessSchema(Schema):
    status = fields.String(metadata={"description": "ready, or unavailable (with status 503)"})
    database = fields.String(metadata={"description": "ok, or why the database cannot be reached"})
    engine = fields.Nested(EngineSchema)
