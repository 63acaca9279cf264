"""Builders for Google Ads operations, written as connector code would write them."""

from __future__ import annotations

from google.ads.googleads.client import GoogleAdsClient

CUSTOMER_ID = "2000000001"


def budget_operation(
    client: GoogleAdsClient, *, temp_id: int = -1, name: str = "Budget", amount_micros: int = 50_000_000
):
    operation = client.get_type("MutateOperation")
    budget = operation.campaign_budget_operation.create
    budget.resource_name = f"customers/{CUSTOMER_ID}/campaignBudgets/{temp_id}"
    budget.name = name
    budget.amount_micros = amount_micros
    budget.delivery_method = client.enums.BudgetDeliveryMethodEnum.STANDARD
    return operation


def campaign_operation(
    client: GoogleAdsClient,
    *,
    temp_id: int = -2,
    budget_temp_id: int = -1,
    name: str = "Campaign",
    declare_eu_political: bool = True,
):
    operation = client.get_type("MutateOperation")
    campaign = operation.campaign_operation.create
    campaign.resource_name = f"customers/{CUSTOMER_ID}/campaigns/{temp_id}"
    campaign.name = name
    campaign.campaign_budget = f"customers/{CUSTOMER_ID}/campaignBudgets/{budget_temp_id}"
    campaign.advertising_channel_type = client.enums.AdvertisingChannelTypeEnum.SEARCH
    campaign.status = client.enums.CampaignStatusEnum.ENABLED
    campaign.manual_cpc.enhanced_cpc_enabled = False
    if declare_eu_political:
        campaign.contains_eu_political_advertising = (
            client.enums.EuPoliticalAdvertisingStatusEnum.DOES_NOT_CONTAIN_EU_POLITICAL_ADVERTISING
        )
    return operation


def ad_group_operation(
    client: GoogleAdsClient, *, temp_id: int = -3, campaign_temp_id: int = -2, name: str = "Group"
):
    operation = client.get_type("MutateOperation")
    group = operation.ad_group_operation.create
    group.resource_name = f"customers/{CUSTOMER_ID}/adGroups/{temp_id}"
    group.name = name
    group.campaign = f"customers/{CUSTOMER_ID}/campaigns/{campaign_temp_id}"
    group.status = client.enums.AdGroupStatusEnum.ENABLED
    group.type_ = client.enums.AdGroupTypeEnum.SEARCH_STANDARD
    return operation


def rsa_operation(
    client: GoogleAdsClient,
    *,
    ad_group_temp_id: int = -3,
    headlines: list[str] | None = None,
    descriptions: list[str] | None = None,
    path1: str = "shoes",
    path2: str = "",
):
    operation = client.get_type("MutateOperation")
    ad_group_ad = operation.ad_group_ad_operation.create
    ad_group_ad.ad_group = f"customers/{CUSTOMER_ID}/adGroups/{ad_group_temp_id}"
    ad_group_ad.status = client.enums.AdGroupAdStatusEnum.ENABLED
    ad = ad_group_ad.ad
    ad.final_urls.append("https://shop.example/shoes")
    for text in headlines if headlines is not None else ["Running shoes", "Free delivery", "Shop the sale"]:
        asset = client.get_type("AdTextAsset")
        asset.text = text
        ad.responsive_search_ad.headlines.append(asset)
    for text in descriptions if descriptions is not None else ["Light shoes for long runs.", "Order today."]:
        asset = client.get_type("AdTextAsset")
        asset.text = text
        ad.responsive_search_ad.descriptions.append(asset)
    ad.responsive_search_ad.path1 = path1
    ad.responsive_search_ad.path2 = path2
    return operation


def keyword_operation(client: GoogleAdsClient, *, ad_group_temp_id: int = -3, text: str = "running shoes"):
    operation = client.get_type("MutateOperation")
    criterion = operation.ad_group_criterion_operation.create
    criterion.ad_group = f"customers/{CUSTOMER_ID}/adGroups/{ad_group_temp_id}"
    criterion.status = client.enums.AdGroupCriterionStatusEnum.ENABLED
    criterion.keyword.text = text
    criterion.keyword.match_type = client.enums.KeywordMatchTypeEnum.PHRASE
    return operation


def full_campaign(client: GoogleAdsClient, *, name: str = "Campaign") -> list:
    return [
        budget_operation(client, name=f"{name} budget"),
        campaign_operation(client, name=name),
        ad_group_operation(client),
        rsa_operation(client),
        keyword_operation(client),
    ]
