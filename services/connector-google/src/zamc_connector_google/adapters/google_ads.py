"""The Google Ads API v26 through the official `google-ads` library (blocking; call it from a thread).

The client is built directly from an access token (no token fetch by the library: ZAMC refreshes
tokens itself at its configured token endpoint). Every failure is raised as `PlatformCallError`
carrying a `PlatformFailure`; the library's own logger is kept at WARNING so request logs never
carry headers. Every SDK call runs inside a client span `google_ads <Service>.<Method>`, a child of
the current span (the handler's, carried into the worker thread by `asyncio.to_thread`).
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, TypeVar

import grpc
from google.ads.googleads.client import GoogleAdsClient
from google.ads.googleads.errors import GoogleAdsException
from google.api_core import exceptions as api_exceptions
from google.oauth2.credentials import Credentials
from opentelemetry import trace
from pydantic import SecretStr

from zamc_connector_google.domain.accounts import Customer, customer_id_of
from zamc_connector_google.domain.deployment import (
    AdGroupSpec,
    AdSpec,
    BudgetSpec,
    CampaignSpec,
    CriterionSpec,
    ExistingTree,
    KeywordSpec,
    PlannedObject,
    temporary_resource_name,
)
from zamc_connector_google.domain.errors import AdsErrorDetail, PlatformCallError, PlatformFailure
from zamc_connector_google.domain.keys import gaql_name_ends_with_tag
from zamc_connector_google.domain.metric_sync import MetricRow

VERSION = "v26"
logging.getLogger("google.ads.googleads.client").setLevel(logging.WARNING)
tracer = trace.get_tracer("zamc_connector_google.google_ads")

T = TypeVar("T")


# ----- errors ----------------------------------------------------------------------------------------
def _field_path(location: Any) -> str:
    parts = []
    for element in location.field_path_elements:
        part = element.field_name
        if type(element).pb(element).HasField("index"):
            part += f"[{element.index}]"
        parts.append(part)
    return ".".join(parts)


def failure_of(error: BaseException) -> PlatformFailure:
    """Any exception the library raises, as plain data."""
    if isinstance(error, GoogleAdsException):
        details = []
        for item in error.failure.errors:
            which = type(item.error_code).pb(item.error_code).WhichOneof("error_code") or "unknown"
            code = getattr(item.error_code, which)
            trigger = item.trigger.string_value if item.trigger and item.trigger.string_value else None
            topics = tuple(
                f"{entry.topic} ({entry.type_.name})"
                for entry in item.details.policy_finding_details.policy_topic_entries
            )
            details.append(
                AdsErrorDetail(
                    category=which,
                    code=getattr(code, "name", str(code)),
                    message=item.message,
                    field_path=_field_path(item.location) if item.location else "",
                    trigger=trigger,
                    policy_topics=topics,
                )
            )
        status = error.error.code().name if hasattr(error.error, "code") else "UNKNOWN"
        return PlatformFailure(status=status, errors=tuple(details), request_id=error.request_id)
    if isinstance(error, api_exceptions.GoogleAPICallError):
        status = error.grpc_status_code.name if error.grpc_status_code else "UNKNOWN"
        return PlatformFailure(status=status, message=error.message or status)
    if isinstance(error, grpc.RpcError) and hasattr(error, "code"):
        return PlatformFailure(status=error.code().name, message=str(error.details() or ""))
    return PlatformFailure(status="UNKNOWN", message=type(error).__name__)


def _calling(operation: str, fn: Callable[[], T]) -> T:
    """Every SDK call goes through here: `operation` is the gRPC `Service.Method` it calls."""
    service, _, method = operation.partition(".")
    with tracer.start_as_current_span(
        f"google_ads {operation}",
        kind=trace.SpanKind.CLIENT,
        attributes={
            "rpc.system": "grpc",
            "rpc.service": f"google.ads.googleads.{VERSION}.services.{service}",
            "rpc.method": method,
        },
    ) as span:
        try:
            return fn()
        except (GoogleAdsException, api_exceptions.GoogleAPICallError, grpc.RpcError) as error:
            failure = failure_of(error)
            span.set_attribute("zamc.platform.error_code", failure.code)
            raise PlatformCallError(failure) from None  # recorded on the span, status ERROR


# ----- the API -------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class CampaignState:
    campaign_id: str
    resource_name: str
    status: str
    budget_resource_name: str
    bidding_strategy_type: str = ""  # e.g. MAXIMIZE_CONVERSION_VALUE
    portfolio_strategy: str = ""  # the portfolio bidding strategy's resource name, if it uses one


class GoogleAdsApi:
    def __init__(
        self,
        *,
        endpoint: str,
        developer_token: SecretStr,
        token_uri: str,
        client_id: str,
        client_secret: SecretStr,
        timeout: float = 120.0,
        cache_size: int = 32,
    ) -> None:
        self.endpoint = endpoint
        self._developer_token = developer_token
        self._token_uri = token_uri
        self._client_id = client_id
        self._client_secret = client_secret
        self.timeout = timeout
        self._cache: OrderedDict[tuple[str, str | None], tuple[GoogleAdsClient, dict[str, Any]]] = (
            OrderedDict()
        )
        self._cache_size = cache_size
        self._lock = threading.Lock()

    # clients and services are cached per (access token, login customer): one TLS channel each
    def service(self, name: str, *, access_token: SecretStr, login_customer_id: str | None) -> Any:
        key = (access_token.get_secret_value(), login_customer_id)
        with self._lock:
            entry = self._cache.get(key)
            if entry is None:
                credentials = Credentials(
                    token=access_token.get_secret_value(),
                    token_uri=self._token_uri,
                    client_id=self._client_id,
                    client_secret=self._client_secret.get_secret_value(),
                )
                client = GoogleAdsClient(
                    credentials=credentials,
                    developer_token=self._developer_token.get_secret_value(),
                    endpoint=self.endpoint,
                    login_customer_id=login_customer_id,
                    use_proto_plus=True,
                    version=VERSION,
                )
                entry = (client, {})
                self._cache[key] = entry
                while len(self._cache) > self._cache_size:
                    _, (_, services) = self._cache.popitem(last=False)
                    _close(services.values())
            self._cache.move_to_end(key)
            client, services = entry
            if name not in services:
                services[name] = client.get_service(name, version=VERSION)
            return services[name]

    def client(self, *, access_token: SecretStr, login_customer_id: str | None) -> GoogleAdsClient:
        self.service("GoogleAdsService", access_token=access_token, login_customer_id=login_customer_id)
        return self._cache[(access_token.get_secret_value(), login_customer_id)][0]

    def close(self) -> None:
        with self._lock:
            for _, services in self._cache.values():
                _close(services.values())
            self._cache.clear()

    # ----- reads ---------------------------------------------------------------------------------------
    def list_accessible_customers(self, *, access_token: SecretStr) -> list[str]:
        service = self.service("CustomerService", access_token=access_token, login_customer_id=None)
        response = _calling(
            "CustomerService.ListAccessibleCustomers",
            lambda: service.list_accessible_customers(timeout=self.timeout),
        )
        return [customer_id_of(name) for name in response.resource_names]

    def search(
        self, *, access_token: SecretStr, login_customer_id: str | None, customer_id: str, query: str
    ) -> list[Any]:
        """Every row of a GAQL query, read with SearchStream."""
        service = self.service(
            "GoogleAdsService", access_token=access_token, login_customer_id=login_customer_id
        )

        def read() -> list[Any]:
            rows: list[Any] = []
            for batch in service.search_stream(customer_id=customer_id, query=query, timeout=self.timeout):
                rows.extend(batch.results)
            return rows

        return _calling("GoogleAdsService.SearchStream", read)

    def discover_customers(self, *, access_token: SecretStr) -> tuple[list[Customer], list[PlatformFailure]]:
        """Every customer the login reaches: the accessible ones and, under managers, their clients."""
        found: list[Customer] = []
        failures: list[PlatformFailure] = []
        for customer_id in self.list_accessible_customers(access_token=access_token):
            try:
                rows = self.search(
                    access_token=access_token,
                    login_customer_id=customer_id,
                    customer_id=customer_id,
                    query="SELECT customer.id, customer.descriptive_name, customer.currency_code, "
                    "customer.time_zone, customer.manager FROM customer",
                )
            except PlatformCallError as error:
                failures.append(error.failure)
                continue
            for row in rows:
                c = row.customer
                found.append(
                    Customer(str(c.id), c.descriptive_name, c.currency_code, c.time_zone, c.manager, None)
                )
                if not c.manager:
                    continue
                try:
                    clients = self.search(
                        access_token=access_token,
                        login_customer_id=customer_id,
                        customer_id=customer_id,
                        query="SELECT customer_client.client_customer, customer_client.descriptive_name, "
                        "customer_client.currency_code, customer_client.time_zone, customer_client.manager, "
                        "customer_client.level, customer_client.status FROM customer_client "
                        "WHERE customer_client.level <= 1",
                    )
                except PlatformCallError as error:
                    failures.append(error.failure)
                    continue
                for client_row in clients:
                    cc = client_row.customer_client
                    if cc.level == 0 or cc.status.name in ("CANCELED", "CLOSED", "SUSPENDED"):
                        continue
                    found.append(
                        Customer(
                            customer_id_of(cc.client_customer),
                            cc.descriptive_name,
                            cc.currency_code,
                            cc.time_zone,
                            cc.manager,
                            customer_id,
                        )
                    )
        return found, failures

    def find_campaign_tree(
        self, *, access_token: SecretStr, login_customer_id: str | None, customer_id: str, tag: str
    ) -> ExistingTree | None:
        """The campaign whose name ends with the tag, with everything below it; None if absent."""

        def query(text: str) -> list[Any]:
            return self.search(
                access_token=access_token,
                login_customer_id=login_customer_id,
                customer_id=customer_id,
                query=text,
            )

        campaigns = query(
            "SELECT campaign.resource_name, campaign.name, campaign.campaign_budget, campaign.status "
            f"FROM campaign WHERE {gaql_name_ends_with_tag('campaign.name', tag)} "
            "AND campaign.status != 'REMOVED'"
        )
        if not campaigns:
            return None
        campaign = campaigns[0].campaign
        where = f"campaign.resource_name = '{campaign.resource_name}'"
        groups = {
            r.ad_group.name: r.ad_group.resource_name
            for r in query(f"SELECT ad_group.resource_name, ad_group.name FROM ad_group WHERE {where}")
        }
        keywords = [
            (
                r.ad_group_criterion.ad_group,
                r.ad_group_criterion.keyword.text,
                r.ad_group_criterion.keyword.match_type.name,
                r.ad_group_criterion.resource_name,
            )
            for r in query(
                "SELECT ad_group_criterion.resource_name, ad_group_criterion.ad_group, "
                "ad_group_criterion.keyword.text, ad_group_criterion.keyword.match_type "
                f"FROM ad_group_criterion WHERE {where} AND ad_group_criterion.status != 'REMOVED'"
            )
            if r.ad_group_criterion.keyword.text
        ]
        ads = [
            (r.ad_group_ad.ad_group, int(r.ad_group_ad.ad.id), r.ad_group_ad.resource_name)
            for r in query(
                "SELECT ad_group_ad.resource_name, ad_group_ad.ad_group, ad_group_ad.ad.id "
                f"FROM ad_group_ad WHERE {where} AND ad_group_ad.status != 'REMOVED'"
            )
        ]
        criteria: dict[str, str] = {}
        for r in query(
            "SELECT campaign_criterion.resource_name, campaign_criterion.location.geo_target_constant, "
            f"campaign_criterion.language.language_constant FROM campaign_criterion WHERE {where}"
        ):
            cc = r.campaign_criterion
            constant = cc.location.geo_target_constant or cc.language.language_constant
            if constant:
                criteria[constant] = cc.resource_name
        return ExistingTree(campaign.resource_name, campaign.campaign_budget, groups, keywords, ads, criteria)

    def campaign_states(
        self,
        *,
        access_token: SecretStr,
        login_customer_id: str | None,
        customer_id: str,
        campaign_ids: Sequence[str],
    ) -> dict[str, CampaignState]:
        if not campaign_ids:
            return {}
        ids = ", ".join(str(int(i)) for i in campaign_ids)
        rows = self.search(
            access_token=access_token,
            login_customer_id=login_customer_id,
            customer_id=customer_id,
            query="SELECT campaign.id, campaign.resource_name, campaign.status, campaign.campaign_budget, "
            "campaign.bidding_strategy_type, campaign.bidding_strategy "
            f"FROM campaign WHERE campaign.id IN ({ids})",
        )
        return {
            str(r.campaign.id): CampaignState(
                str(r.campaign.id),
                r.campaign.resource_name,
                r.campaign.status.name,
                r.campaign.campaign_budget,
                r.campaign.bidding_strategy_type.name,
                r.campaign.bidding_strategy,
            )
            for r in rows
        }

    def metric_rows(
        self, *, access_token: SecretStr, login_customer_id: str | None, customer_id: str, query: str
    ) -> list[MetricRow]:
        return [
            MetricRow(
                campaign_id=str(r.campaign.id),
                ad_group_id=str(r.ad_group.id),
                ad_id=str(r.ad_group_ad.ad.id),
                day=date.fromisoformat(r.segments.date),
                hour=int(r.segments.hour),
                impressions=int(r.metrics.impressions),
                clicks=int(r.metrics.clicks),
                cost_micros=int(r.metrics.cost_micros),
                conversions=float(r.metrics.conversions),
                conversions_value=float(r.metrics.conversions_value),
            )
            for r in self.search(
                access_token=access_token,
                login_customer_id=login_customer_id,
                customer_id=customer_id,
                query=query,
            )
        ]

    # ----- writes --------------------------------------------------------------------------------------
    def mutate(
        self,
        *,
        access_token: SecretStr,
        login_customer_id: str | None,
        customer_id: str,
        build: Callable[[GoogleAdsClient], list[Any]],
        validate_only: bool = False,
    ) -> list[str]:
        """One atomic GoogleAdsService.Mutate; returns the resource name of each operation's result."""
        client = self.client(access_token=access_token, login_customer_id=login_customer_id)
        service = self.service(
            "GoogleAdsService", access_token=access_token, login_customer_id=login_customer_id
        )
        request = client.get_type("MutateGoogleAdsRequest")
        request.customer_id = customer_id
        request.mutate_operations.extend(build(client))
        request.validate_only = validate_only
        request.partial_failure = False
        response = _calling(
            "GoogleAdsService.Mutate", lambda: service.mutate(request=request, timeout=self.timeout)
        )
        return [_result_name(r) for r in response.mutate_operation_responses]


def _result_name(response: Any) -> str:
    which = type(response).pb(response).WhichOneof("response")
    return getattr(response, which).resource_name if which else ""


def _close(services: Iterable[Any]) -> None:
    for service in services:
        try:
            service.transport.close()
        except Exception:
            pass


# ----- operations ---------------------------------------------------------------------------------------
def plan_operations(client: GoogleAdsClient, customer_id: str, items: Sequence[PlannedObject]) -> list[Any]:
    """MutateOperations creating the planned objects, parents referenced by temporary ids."""
    names = {item.idempotency_key: temporary_resource_name(customer_id, item) for item in items}
    enums = client.enums
    operations = []
    for item in items:
        operation = client.get_type("MutateOperation")
        parent = names.get(item.parent_key or "", "")
        spec = item.spec
        if isinstance(spec, BudgetSpec):
            budget = operation.campaign_budget_operation.create
            budget.resource_name = names[item.idempotency_key]
            budget.name = spec.name
            budget.amount_micros = spec.amount_micros
            budget.delivery_method = enums.BudgetDeliveryMethodEnum.STANDARD
            budget.explicitly_shared = False
        elif isinstance(spec, CampaignSpec):
            campaign = operation.campaign_operation.create
            campaign.resource_name = names[item.idempotency_key]
            campaign.name = spec.name
            campaign.campaign_budget = parent
            campaign.status = enums.CampaignStatusEnum.PAUSED
            campaign.advertising_channel_type = enums.AdvertisingChannelTypeEnum.SEARCH
            campaign.network_settings.target_google_search = True
            campaign.network_settings.target_search_network = True
            campaign.network_settings.target_content_network = False
            campaign.network_settings.target_partner_search_network = False
            campaign.contains_eu_political_advertising = (
                enums.EuPoliticalAdvertisingStatusEnum.DOES_NOT_CONTAIN_EU_POLITICAL_ADVERTISING
            )
            _set_bidding(campaign, spec)
            if spec.start_date:
                campaign.start_date_time = f"{spec.start_date.isoformat()} 00:00:00"
            if spec.end_date:
                campaign.end_date_time = f"{spec.end_date.isoformat()} 23:59:59"
        elif isinstance(spec, AdGroupSpec):
            group = operation.ad_group_operation.create
            group.resource_name = names[item.idempotency_key]
            group.name = spec.name
            group.campaign = parent
            group.status = enums.AdGroupStatusEnum.ENABLED
            group.type_ = enums.AdGroupTypeEnum.SEARCH_STANDARD
            if spec.cpc_bid_micros:
                group.cpc_bid_micros = spec.cpc_bid_micros
        elif isinstance(spec, KeywordSpec):
            criterion = operation.ad_group_criterion_operation.create
            criterion.ad_group = parent
            criterion.status = enums.AdGroupCriterionStatusEnum.ENABLED
            criterion.keyword.text = spec.text
            criterion.keyword.match_type = getattr(enums.KeywordMatchTypeEnum, spec.match_type)
        elif isinstance(spec, AdSpec):
            ad_group_ad = operation.ad_group_ad_operation.create
            ad_group_ad.ad_group = parent
            ad_group_ad.status = enums.AdGroupAdStatusEnum.ENABLED
            ad = ad_group_ad.ad
            ad.final_urls.append(spec.final_url)
            for text in spec.headlines:
                asset = client.get_type("AdTextAsset")
                asset.text = text
                ad.responsive_search_ad.headlines.append(asset)
            for text in spec.descriptions:
                asset = client.get_type("AdTextAsset")
                asset.text = text
                ad.responsive_search_ad.descriptions.append(asset)
            if spec.path1:
                ad.responsive_search_ad.path1 = spec.path1
            if spec.path2:
                ad.responsive_search_ad.path2 = spec.path2
        elif isinstance(spec, CriterionSpec):
            criterion = operation.campaign_criterion_operation.create
            criterion.campaign = parent
            if spec.kind == "location":
                criterion.location.geo_target_constant = spec.constant
            else:
                criterion.language.language_constant = spec.constant
        operations.append(operation)
    return operations


def _set_bidding(campaign: Any, spec: CampaignSpec) -> None:
    """Selects the bidding strategy (a oneof: presence must be marked even when every value is 0)."""
    pb = type(campaign).pb(campaign)
    strategy = spec.bidding_strategy
    if strategy == "MANUAL_CPC":
        pb.manual_cpc.SetInParent()
    elif strategy == "MAXIMIZE_CLICKS":
        pb.target_spend.SetInParent()
    elif strategy == "TARGET_ROAS":
        pb.maximize_conversion_value.SetInParent()
        if spec.target_roas:
            pb.maximize_conversion_value.target_roas = spec.target_roas
    else:  # MAXIMIZE_CONVERSIONS, and TARGET_CPA as a target on maximize conversions
        pb.maximize_conversions.SetInParent()
        if spec.target_cpa_micros:
            pb.maximize_conversions.target_cpa_micros = spec.target_cpa_micros


def status_operations(
    client: GoogleAdsClient, kind: str, resource_names: Sequence[str], status: str
) -> list[Any]:
    """Update (or, for REMOVED, remove) campaigns, ad groups or ads."""
    service_field, enum = {
        "campaign": ("campaign_operation", client.enums.CampaignStatusEnum),
        "ad_group": ("ad_group_operation", client.enums.AdGroupStatusEnum),
        "ad": ("ad_group_ad_operation", client.enums.AdGroupAdStatusEnum),
        "budget": ("campaign_budget_operation", None),
    }[kind]
    operations = []
    for name in resource_names:
        operation = client.get_type("MutateOperation")
        sub = getattr(operation, service_field)
        if status == "REMOVED":
            sub.remove = name
        else:
            sub.update.resource_name = name
            sub.update.status = getattr(enum, status)
            sub.update_mask.paths.append("status")
        operations.append(operation)
    return operations


def budget_operation(client: GoogleAdsClient, budget_resource_name: str, amount_micros: int) -> list[Any]:
    operation = client.get_type("MutateOperation")
    operation.campaign_budget_operation.update.resource_name = budget_resource_name
    operation.campaign_budget_operation.update.amount_micros = amount_micros
    operation.campaign_budget_operation.update_mask.paths.append("amount_micros")
    return [operation]


def campaign_field_operation(
    client: GoogleAdsClient, campaign_resource_name: str, field_path: str, value: Any
) -> list[Any]:
    """Update one (nested) campaign field, e.g. `maximize_conversion_value.target_roas`: only it is masked."""
    operation = client.get_type("MutateOperation")
    campaign = operation.campaign_operation.update
    campaign.resource_name = campaign_resource_name
    message = type(campaign).pb(campaign)
    *parents, leaf = field_path.split(".")
    for name in parents:
        message = getattr(message, name)
    setattr(message, leaf, value)
    operation.campaign_operation.update_mask.paths.append(field_path)
    return [operation]
