"""GraphQL at `/graphql` (strawberry): the REST domain as queries, mutations and subscriptions."""
