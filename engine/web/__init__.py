"""The web endpoint (`rekindle serve`, docs/web.md): a small Starlette application on the project's store.

`app.create_app` builds it from a Project and a store Engine; each route module has one job: `unsubscribe`
(RFC 8058 one-click, the confirmation page, resubscribing), `preferences` (opting out of a category), `clicks`
(the click-tracking redirect), `events_api` (POST /v1/events and /v1/customers through the importer),
`feedback` (bounces and complaints) and `health`. `guards` holds the middleware (access log, body size, rate
limits) and `auth` the bearer check of /v1. Database work runs in Starlette's thread pool, never on the loop.
"""
