"""The JSON API, /api/v1/, documented by OpenAPI at /api/v1/openapi.json."""

from ninja import NinjaAPI

api = NinjaAPI(title="vocloop API", version="1", urls_namespace="api")
