"""The error body, RFC 9457 problem details, as documented in the OpenAPI document."""

from marshmallow import Schema, fields


class FieldErrorSchema(Schema):
    field = fields.String(metadata={"description": "Path of the failing field, e.g. layers[1].weights[2]"})
    message = fields.String(metadata={"description": "What is wrong with it"})


class ProblemSchema(Schema):
    type = fields.String(metadata={"description": "Always about:blank: the status says what kind of problem"})
    title = fields.String(metadata={"description": "The HTTP status phrase"})
    status = fields.Integer()
    detail = fields.String(metadata={"description": "What went wrong and what to do about it"})
    errors = fields.List(fields.Nested(FieldErrorSchema), metadata={"description": "Failing fields, on validation"})
    request_id = fields.String(metadata={"description": "Also in the X-Request-ID header and the server's log"})
