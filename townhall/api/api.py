"""`/api/v1`: one NinjaAPI assembling every app's router, with OpenAPI docs.

Docs at /api/v1/docs, the schema at /api/v1/openapi.json; docs/api.md is the guide.
Each app exposes `router` in its `api.py` (and optionally `openapi_schemas`: schemas
its endpoints reference by hand from `openapi_extra`). Every endpoint is behind
`ApiAuth`: a token (or session) whose scope fits the HTTP method, of someone who
manages members; apps' routers need not import accounts for that.
"""

from __future__ import annotations

from datetime import datetime
from types import ModuleType
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, AuthorizationError
from ninja.openapi.schema import REF_TEMPLATE, OpenAPISchema
from ninja.renderers import JSONRenderer
from ninja.responses import NinjaJSONEncoder

from townhall.accounts.api_auth import ApiAuth
from townhall.analytics import api_graph, api_scores, api_segments
from townhall.community import api as community_api
from townhall.connectors import api as connectors_api
from townhall.core import api as core_api
from townhall.roi import api as roi_api

# (URL prefix, the app's api module), in the order the docs list them.
APP_APIS: list[tuple[str, ModuleType]] = [
    ("", core_api),
    ("", connectors_api),
    ("", community_api),
    ("", roi_api),
]
APP_APIS.append(("", api_graph))
APP_APIS.append(("", api_scores))
APP_APIS.append(("", api_segments))

DESCRIPTION = """\
The Townhall API: members, their identities and the activity stream; the community's
boards, topics and replies.

Authenticate with a personal token (create one at `/account/tokens/` or with
`townhall token create`): `Authorization: Bearer th_…`. Read endpoints take a read or
write token; writes need a write token. See docs/api.md for examples, paging and limits.
"""


class ExactJSONEncoder(NinjaJSONEncoder):
    """Times with all their digits (Django's encoder cuts them to milliseconds), UTC as `Z`."""

    def default(self, o: Any) -> Any:
        if isinstance(o, datetime):
            text = o.isoformat()
            return text[: -len("+00:00")] + "Z" if text.endswith("+00:00") else text
        return super().default(o)


class ExactJSONRenderer(JSONRenderer):
    encoder_class = ExactJSONEncoder


class TownhallAPI(NinjaAPI):
    """NinjaAPI that also publishes schemas referenced only from `openapi_extra`."""

    def __init__(self, *args: Any, extra_schemas: list[type[Schema]] | None = None, **kwargs: Any):
        self.extra_schemas: list[type[Schema]] = list(extra_schemas or [])
        super().__init__(*args, **kwargs)

    def get_openapi_schema(
        self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None
    ) -> OpenAPISchema:
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        components = schema["components"]["schemas"]
        for model in self.extra_schemas:
            definition = model.model_json_schema(ref_template=REF_TEMPLATE, mode="validation")
            components.update(definition.pop("$defs", {}))
            components[model.__name__] = definition
        return schema


api = TownhallAPI(
    title="Townhall API",
    version="1",
    description=DESCRIPTION,
    urls_namespace=core_api.URL_NAMESPACE,
    renderer=ExactJSONRenderer(),
    auth=ApiAuth(),
    extra_schemas=[s for _, module in APP_APIS for s in getattr(module, "openapi_schemas", [])],
)
for prefix, module in APP_APIS:
    api.add_router(prefix, module.router)


@api.exception_handler(AuthenticationError)
def unauthenticated(request: HttpRequest, error: AuthenticationError) -> HttpResponse:
    response = api.create_response(request, {"detail": error.message}, status=401)
    response["WWW-Authenticate"] = 'Bearer realm="townhall"'
    return response


@api.exception_handler(AuthorizationError)
def forbidden(request: HttpRequest, error: AuthorizationError) -> HttpResponse:
    return api.create_response(request, {"detail": error.message}, status=403)
