"""The gateway's use cases: one function per thing a caller can do, shared by REST and GraphQL.

Functions are keyword-only, take the transaction's `session` and the calling `principal`,
filter every query by `principal.organization_id`, raise `domain.errors` and return `schemas`.
"""
