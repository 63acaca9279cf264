"""The Google Ads API v26 over gRPC+TLS, served with the google-ads library's own message classes."""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Iterator
from concurrent import futures
from dataclasses import dataclass, field

import grpc
from google.ads.googleads.v26.services.types import (
    ad_group_ad_service,
    ad_group_criterion_service,
    ad_group_service,
    campaign_budget_service,
    campaign_criterion_service,
    campaign_service,
    customer_service,
    google_ads_service,
)
from google.protobuf.message import Message

from zamc_sandbox.faults import FaultInjector, FaultKind
from zamc_sandbox.google import gaql
from zamc_sandbox.google.accounts import GoogleCustomer
from zamc_sandbox.google.failures import FAILURE_KEY, AdsError, GoogleAdsRejection, failure_bytes
from zamc_sandbox.google.reporting import Reporter
from zamc_sandbox.google.resources import KINDS, enum_name
from zamc_sandbox.google.store import GoogleAdsStore, Operation, OperationResult
from zamc_sandbox.oauth.tokens import TokenState, TokenStore

SERVICE_PREFIX = "google.ads.googleads.v26.services."
PAGE_SIZE = 10_000

# (service, method, request, response, resource kind)
RESOURCE_MUTATES = (
    (
        "CampaignBudgetService",
        "MutateCampaignBudgets",
        campaign_budget_service,
        "CampaignBudgets",
        "campaign_budget",
    ),
    ("CampaignService", "MutateCampaigns", campaign_service, "Campaigns", "campaign"),
    ("AdGroupService", "MutateAdGroups", ad_group_service, "AdGroups", "ad_group"),
    ("AdGroupAdService", "MutateAdGroupAds", ad_group_ad_service, "AdGroupAds", "ad_group_ad"),
    (
        "AdGroupCriterionService",
        "MutateAdGroupCriteria",
        ad_group_criterion_service,
        "AdGroupCriteria",
        "ad_group_criterion",
    ),
    (
        "CampaignCriterionService",
        "MutateCampaignCriteria",
        campaign_criterion_service,
        "CampaignCriteria",
        "campaign_criterion",
    ),
)


@dataclass(frozen=True, slots=True)
class CallRecord:
    method: str
    customer_id: str
    status: str


@dataclass(slots=True)
class CallLog:
    calls: list[CallRecord] = field(default_factory=list)

    def record(self, method: str, customer_id: str, status: str) -> None:
        self.calls.append(CallRecord(method, customer_id, status))


def _pb(proto_plus_class: type) -> type[Message]:
    return proto_plus_class.pb()


class GoogleAdsServicer:
    """Authorisation, faults and error mapping around the store and the reporter."""

    def __init__(self, store: GoogleAdsStore, tokens: TokenStore, faults: FaultInjector) -> None:
        self.store = store
        self.tokens = tokens
        self.faults = faults
        self.reporter = Reporter(store)
        self.calls = CallLog()
        self._request_ids = itertools.count(1)

    # ----- plumbing ----------------------------------------------------------------------------
    def _call(self, method: str, fn: Callable[[Message, GoogleCustomer | None], Message]) -> Callable:
        def handler(request: Message, context: grpc.ServicerContext) -> Message:
            request_id = f"sandbox-{next(self._request_ids):08d}"
            customer_id = getattr(request, "customer_id", "")
            try:
                customer = self._admit(method, context, customer_id)
                response = fn(request, customer)
            except GoogleAdsRejection as rejection:
                self.calls.record(method, customer_id, rejection.status.name)
                context.set_trailing_metadata(
                    ((FAILURE_KEY, failure_bytes(rejection.errors, request_id)), ("request-id", request_id))
                )
                context.abort(rejection.status, rejection.details)
            self.calls.record(method, customer_id, "OK")
            context.set_trailing_metadata((("request-id", request_id),))
            return response

        return handler

    def _stream(
        self, method: str, fn: Callable[[Message, GoogleCustomer | None], Iterator[Message]]
    ) -> Callable:
        unary = self._call(method, lambda request, customer: list(fn(request, customer)))  # type: ignore[arg-type,return-value]

        def handler(request: Message, context: grpc.ServicerContext) -> Iterator[Message]:
            yield from unary(request, context)  # type: ignore[misc]

        return handler

    def _admit(self, method: str, context: grpc.ServicerContext, customer_id: str) -> GoogleCustomer | None:
        for fault in self.faults.take("google", method):
            if fault.kind == FaultKind.GOOGLE_LATENCY:
                time.sleep(fault.latency_seconds)
            elif fault.kind == FaultKind.GOOGLE_RESOURCE_EXHAUSTED:
                raise GoogleAdsRejection(
                    [
                        AdsError(
                            "quota_error", "RESOURCE_EXHAUSTED", "Too many requests. Retry in 30 seconds."
                        )
                    ],
                    grpc.StatusCode.RESOURCE_EXHAUSTED,
                    "Resource has been exhausted (e.g. check quota).",
                )
            elif fault.kind == FaultKind.GOOGLE_INTERNAL:
                raise GoogleAdsRejection(
                    [AdsError("internal_error", "INTERNAL_ERROR", "An internal error has occurred.")],
                    grpc.StatusCode.INTERNAL,
                    "Internal error encountered.",
                )
        metadata = dict(context.invocation_metadata())
        authorization = str(metadata.get("authorization", ""))
        token = authorization.removeprefix("Bearer ").strip()
        state = (
            self.tokens.state(token, platform="google", kinds=("access",)) if token else TokenState.UNKNOWN
        )
        if state != TokenState.VALID:
            reason = {
                TokenState.EXPIRED: "OAUTH_TOKEN_EXPIRED",
                TokenState.REVOKED: "OAUTH_TOKEN_REVOKED",
            }.get(state, "OAUTH_TOKEN_INVALID")
            raise GoogleAdsRejection(
                [AdsError("authentication_error", reason, "Authentication of the request failed.")],
                grpc.StatusCode.UNAUTHENTICATED,
                "Request is missing required authentication credential.",
            )
        if not metadata.get("developer-token"):
            raise GoogleAdsRejection(
                [
                    AdsError(
                        "request_error", "DEVELOPER_TOKEN_PARAMETER_MISSING", "Developer token is missing."
                    )
                ]
            )
        if not customer_id:
            return None
        customer = self.store.customers.get(customer_id)
        if customer is None:
            raise GoogleAdsRejection(
                [AdsError("request_error", "INVALID_CUSTOMER_ID", f"Customer {customer_id} does not exist.")]
            )
        login = str(metadata.get("login-customer-id", "")).replace("-", "")
        if login and login not in self.store.customers:
            raise GoogleAdsRejection(
                [AdsError("header_error", "INVALID_LOGIN_CUSTOMER_ID", "The login customer ID is invalid.")]
            )
        if customer.manager_id and login != customer.manager_id:
            raise GoogleAdsRejection(
                [
                    AdsError(
                        "authorization_error",
                        "USER_PERMISSION_DENIED",
                        "User doesn't have permission to access customer. Note: If you're accessing a client "
                        "customer, the manager's customer id must be set in the 'login-customer-id' header.",
                    )
                ],
                grpc.StatusCode.PERMISSION_DENIED,
                "The caller does not have permission",
            )
        return customer

    # ----- customers ---------------------------------------------------------------------------
    def list_accessible_customers(self, request: Message, customer: GoogleCustomer | None) -> Message:
        response = _pb(customer_service.ListAccessibleCustomersResponse)()
        response.resource_names.extend(c.resource_name for c in self.store.customers.values() if c.manager)
        return response

    # ----- search ------------------------------------------------------------------------------
    def _query(self, customer: GoogleCustomer | None, text: str) -> tuple[list[Message], list[str]]:
        assert customer is not None
        try:
            return self.reporter.run(customer, gaql.parse(text))
        except gaql.GaqlError as error:
            raise GoogleAdsRejection([AdsError("query_error", error.reason, str(error))]) from error

    def search(self, request: Message, customer: GoogleCustomer | None) -> Message:
        rows, fields = self._query(customer, request.query)
        start = int(request.page_token or 0)
        response = _pb(google_ads_service.SearchGoogleAdsResponse)()
        response.results.extend(rows[start : start + PAGE_SIZE])
        response.field_mask.paths.extend(fields)
        if start + PAGE_SIZE < len(rows):
            response.next_page_token = str(start + PAGE_SIZE)
        if request.search_settings.return_total_results_count:
            response.total_results_count = len(rows)
        return response

    def search_stream(self, request: Message, customer: GoogleCustomer | None) -> Iterator[Message]:
        rows, fields = self._query(customer, request.query)
        for start in range(0, max(len(rows), 1), PAGE_SIZE):
            batch = _pb(google_ads_service.SearchGoogleAdsStreamResponse)()
            batch.results.extend(rows[start : start + PAGE_SIZE])
            batch.field_mask.paths.extend(fields)
            yield batch

    # ----- mutate ------------------------------------------------------------------------------
    def _mutate(self, customer: GoogleCustomer | None, request: Message, operations: list[Operation]) -> list:
        assert customer is not None
        if request.partial_failure:
            raise GoogleAdsRejection(
                [
                    AdsError(
                        "mutate_error",
                        "OPERATION_DOES_NOT_SUPPORT_PARTIAL_FAILURE",
                        "The sandbox mutates atomically only (partial_failure=false).",
                    )
                ]
            )
        if not operations:
            raise GoogleAdsRejection([AdsError("request_error", "OPERATION_REQUIRED", "No operations.")])
        return self.store.mutate(customer.customer_id, operations, validate_only=request.validate_only)

    def resource_mutate(self, kind_name: str, response_class: type[Message]) -> Callable:
        kind = KINDS[kind_name]

        def mutate(request: Message, customer: GoogleCustomer | None) -> Message:
            operations = [
                Operation(kind, op, (("operations", i),)) for i, op in enumerate(request.operations)
            ]
            results = self._mutate(customer, request, operations)
            response = response_class()
            for result in results:
                item = response.results.add(resource_name=result.resource_name)
                if not request.validate_only:
                    self._maybe_fill(item, request, result)
            return response

        return mutate

    @staticmethod
    def _maybe_fill(item: Message, request: Message, result: OperationResult) -> None:
        if enum_name(request, "response_content_type") == "MUTABLE_RESOURCE":
            getattr(item, result.kind.name).CopyFrom(result.resource)

    def google_ads_mutate(self, request: Message, customer: GoogleCustomer | None) -> Message:
        operations = []
        for i, mutate_operation in enumerate(request.mutate_operations):
            which = mutate_operation.WhichOneof("operation") or ""
            kind = KINDS.get(which.removesuffix("_operation"))
            if kind is None:
                raise GoogleAdsRejection(
                    [
                        AdsError(
                            "mutate_error",
                            "MUTATE_NOT_ALLOWED",
                            f"The sandbox does not mutate {which or 'empty operations'}.",
                            (("mutate_operations", i),),
                        )
                    ]
                )
            operations.append(
                Operation(kind, getattr(mutate_operation, which), (("mutate_operations", i), (which, None)))
            )
        results = self._mutate(customer, request, operations)
        response = _pb(google_ads_service.MutateGoogleAdsResponse)()
        for result in results:
            item = response.mutate_operation_responses.add()
            sub = getattr(item, f"{result.kind.name}_result")
            sub.resource_name = result.resource_name
            if not request.validate_only:
                self._maybe_fill(sub, request, result)
        return response

    # ----- gRPC wiring -------------------------------------------------------------------------
    def handlers(self) -> list[grpc.GenericRpcHandler]:
        def unary(method: str, request_class: type, fn: Callable) -> grpc.RpcMethodHandler:
            return grpc.unary_unary_rpc_method_handler(
                self._call(method, fn),
                request_deserializer=_pb(request_class).FromString,
                response_serializer=lambda m: m.SerializeToString(),
            )

        gas = google_ads_service
        out = [
            grpc.method_handlers_generic_handler(
                SERVICE_PREFIX + "CustomerService",
                {
                    "ListAccessibleCustomers": unary(
                        "ListAccessibleCustomers",
                        customer_service.ListAccessibleCustomersRequest,
                        self.list_accessible_customers,
                    )
                },
            ),
            grpc.method_handlers_generic_handler(
                SERVICE_PREFIX + "GoogleAdsService",
                {
                    "Search": unary("Search", gas.SearchGoogleAdsRequest, self.search),
                    "SearchStream": grpc.unary_stream_rpc_method_handler(
                        self._stream("SearchStream", self.search_stream),
                        request_deserializer=_pb(gas.SearchGoogleAdsStreamRequest).FromString,
                        response_serializer=lambda m: m.SerializeToString(),
                    ),
                    "Mutate": unary("Mutate", gas.MutateGoogleAdsRequest, self.google_ads_mutate),
                },
            ),
        ]
        for service, method, module, plural, kind in RESOURCE_MUTATES:
            request_class = getattr(module, f"Mutate{plural}Request")
            response_class = _pb(getattr(module, f"Mutate{plural}Response"))
            out.append(
                grpc.method_handlers_generic_handler(
                    SERVICE_PREFIX + service,
                    {method: unary(method, request_class, self.resource_mutate(kind, response_class))},
                )
            )
        return out


class GoogleAdsServer:
    """A running gRPC server; `address` is "host:port"."""

    def __init__(
        self, servicer: GoogleAdsServicer, *, host: str, port: int, cert_pem: bytes, key_pem: bytes
    ) -> None:
        self.servicer = servicer
        self._executor = futures.ThreadPoolExecutor(max_workers=8, thread_name_prefix="zamc-google-ads")
        self._server = grpc.server(self._executor)
        self._server.add_generic_rpc_handlers(servicer.handlers())
        credentials = grpc.ssl_server_credentials([(key_pem, cert_pem)])
        self.port = self._server.add_secure_port(f"{host}:{port}", credentials)
        if self.port == 0:
            raise OSError(f"cannot bind Google Ads sandbox to {host}:{port}")
        self.host = host

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"

    def start(self) -> None:
        self._server.start()

    def stop(self, grace: float = 0.5) -> None:
        self._server.stop(grace).wait()
        self._executor.shutdown(wait=True)
