"""`python -m zamc_gateway.graphql`: write the GraphQL SDL to services/gateway/schema.graphql."""

from zamc_gateway.graphql.schema import SDL_PATH, sdl

SDL_PATH.write_text(sdl())
print(f"wrote {SDL_PATH}")
