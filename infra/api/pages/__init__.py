"""Work pages: a server-rendered surface per role (see ``infra.api.pages.routes``)."""
