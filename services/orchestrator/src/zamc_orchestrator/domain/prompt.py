"""The messages that ask a language model for a strategy draft, and for fixes to one."""

from __future__ import annotations

import json

from zamc_events.contracts.strategy import Brief
from zamc_events.platform_limits import GOOGLE, META, Violation

Message = dict[str, str]

# Violations the model can fix in its draft; the rest (budgets, keys, URLs) are code's job.
DRAFT_RULE_PREFIXES = ("google.", "meta.", "strategy.platforms")
CODE_FILLED_RULES = (
    "meta.countries",
    "meta.country",
    "google.location",
    "meta.optimization_goal",
    "meta.billing_event",
)

SYSTEM = f"""You are a senior performance marketer. From a brief you draft a paid search and social
campaign strategy as JSON matching the given schema. Write in the brief's language and the brand's
voice; be specific to the product and audience; never invent prices, discounts or claims the brief
does not make.

Hard platform limits (a draft that breaks one is sent back to you):
- Google responsive search ads: {GOOGLE.headlines_min}-{GOOGLE.headlines_max} headlines of at most
  {GOOGLE.headline_width} characters, no "!" in headlines, headlines unique; {GOOGLE.descriptions_min}-\
{GOOGLE.descriptions_max} descriptions of at most {GOOGLE.description_width} characters; path1/path2 at most
  {GOOGLE.path_width} characters without spaces. Chinese, Japanese and Korean characters count as 2.
- Google keywords: at most {GOOGLE.keyword_words} words and {GOOGLE.keyword_width} characters, none of
  {GOOGLE.keyword_forbidden_chars}
- Meta ads: primary text at most {META.primary_text_length} characters, headline at most
  {META.headline_length}, description at most {META.description_length}; ages {META.age_min}-{META.age_max}.
- Names of campaigns and ad groups unique.
budget_share values are relative weights between campaigns (or ad sets) of one platform.
Set a platform to null when the brief does not ask for it."""


def brief_facts(brief: Brief) -> dict[str, object]:
    return {
        "product": brief.product,
        "audience": brief.audience,
        "goal": brief.goal,
        "platforms": brief.platforms,
        "daily_or_total_budget": f"{brief.budget.amount_micros / 1_000_000:.2f} {brief.budget.currency} "
        f"({brief.budget.period})",
        "start_date": brief.start_date.isoformat(),
        "end_date": brief.end_date.isoformat() if brief.end_date else None,
        "countries": brief.locations,
        "languages": brief.languages,
        "landing_page_url": brief.landing_page_url,
        "business": brief.business.model_dump(exclude_none=True),
    }


def initial_messages(brief: Brief) -> list[Message]:
    facts = json.dumps(brief_facts(brief), ensure_ascii=False, indent=1)
    return [
        {"role": "system", "content": SYSTEM},
        {"role": "user", "content": f"Draft the campaign strategy for this brief:\n{facts}"},
    ]


def model_fixable(violation: Violation) -> bool:
    return violation.rule.startswith(DRAFT_RULE_PREFIXES) and not violation.rule.startswith(CODE_FILLED_RULES)


def repair_message(violations: list[Violation]) -> Message:
    lines = "\n".join(f"- {v.path}: {v.message}" for v in violations)
    return {
        "role": "user",
        "content": "Your strategy breaks these platform limits (paths point into your JSON):\n"
        f"{lines}\nReturn the complete corrected strategy as JSON. Keep everything else as it was.",
    }


def malformed_message(error: str) -> Message:
    return {
        "role": "user",
        "content": f"That answer was not valid JSON for the schema ({error[:500]}). "
        "Answer again with only the JSON object.",
    }
