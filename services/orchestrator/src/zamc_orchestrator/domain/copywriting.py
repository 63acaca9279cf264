"""Ad copy from templates, fitted to each platform's limits. Used by the rules strategist and to
pad a drafted ad that ends up with too few headlines or descriptions."""

from __future__ import annotations

from urllib.parse import urlsplit

from zamc_events.contracts.strategy import Brief, Goal, MetaCallToAction
from zamc_events.platform_limits import GOOGLE, META, google_width
from zamc_orchestrator.domain.text import clean, fit, unique_texts, words

# Short, safe lines that fit every limit; they pad when the brief's words give too little.
GENERIC_HEADLINES = (
    "Learn More Today",
    "See Our Latest Offers",
    "Get Started in Minutes",
    "Quality You Can Trust",
    "Simple and Fast",
    "Find Out More Online",
)
GENERIC_DESCRIPTIONS = (
    "Find out what we offer and how it works. Visit our website to learn more today.",
    "Clear prices, helpful support and a simple start. See the details on our website.",
    "Trusted by customers who value quality. Take a look and get started today.",
    "Everything you need in one place. Explore the options and choose what suits you.",
)

HEADLINE_TEMPLATES: dict[Goal, tuple[str, ...]] = {
    "awareness": (
        "{product}",
        "Discover {product}",
        "{business}",
        "{product} for {audience}",
        "Meet {business}",
    ),
    "traffic": (
        "{product}",
        "Explore {product}",
        "{business}",
        "{product} for {audience}",
        "See {product} Online",
    ),
    "leads": (
        "{product}",
        "Get a {product} Quote",
        "{business}",
        "{product} for {audience}",
        "Talk to {business}",
    ),
    "sales": (
        "{product}",
        "Shop {product}",
        "{business}",
        "{product} for {audience}",
        "Buy {product} Online",
    ),
}
DESCRIPTION_TEMPLATES: dict[Goal, tuple[str, ...]] = {
    "awareness": (
        "{business} brings you {product}.",
        "{product}, made for {audience}. Discover more at {domain}.",
    ),
    "traffic": (
        "Explore {product} from {business}.",
        "{product}, made for {audience}. Visit {domain} today.",
    ),
    "leads": ("Ask {business} about {product}.", "{product} for {audience}. Request your quote at {domain}."),
    "sales": ("Shop {product} from {business}.", "{product} for {audience}. Order today at {domain}."),
}
KEYWORD_TEMPLATES: dict[Goal, tuple[str, ...]] = {
    "awareness": ("{product}", "{word}", "{word} {audience_word}"),
    "traffic": ("{product}", "{word}", "{word} ideas", "{word} {audience_word}"),
    "leads": ("{product}", "{word} quote", "{word} service", "{word} {audience_word}"),
    "sales": ("{product}", "buy {word}", "{word} online", "{word} {audience_word}"),
}
CALL_TO_ACTION: dict[Goal, MetaCallToAction] = {
    "awareness": "LEARN_MORE",
    "traffic": "LEARN_MORE",
    "leads": "SIGN_UP",
    "sales": "SHOP_NOW",
}


def domain_of(url: str) -> str:
    try:
        host = urlsplit(url).hostname or ""
    except ValueError:
        host = ""
    return host.removeprefix("www.")


def _values(brief: Brief) -> dict[str, str]:
    product = (
        clean(brief.product) or clean(brief.business.name) or domain_of(brief.landing_page_url) or "our offer"
    )
    return {
        "product": product,
        "business": clean(brief.business.name) or product,
        "audience": clean(brief.audience) or "you",
        "domain": domain_of(brief.landing_page_url) or "our website",
    }


def _render(templates: tuple[str, ...], values: dict[str, str], limit: int, *, drop: str = "") -> list[str]:
    out = []
    for template in templates:
        line = template.format(**values)
        for char in drop:
            line = line.replace(char, " ")
        out.append(fit(line, limit, google_width))
    return out


def headlines(brief: Brief) -> list[str]:
    """Up to 10 unique Google headlines, each within 30 (double-width counted as 2)."""
    rendered = _render(
        HEADLINE_TEMPLATES[brief.goal],
        _values(brief),
        GOOGLE.headline_width,
        drop=GOOGLE.headline_forbidden_chars,
    )
    return unique_texts(rendered + list(GENERIC_HEADLINES))[:10]


def descriptions(brief: Brief) -> list[str]:
    """Four unique Google descriptions, each within 90."""
    rendered = _render(DESCRIPTION_TEMPLATES[brief.goal], _values(brief), GOOGLE.description_width)
    return unique_texts(rendered + list(GENERIC_DESCRIPTIONS))[: GOOGLE.descriptions_max]


def keywords(brief: Brief) -> list[str]:
    """Keyword texts from the product and audience words (the caller cleans them to Google's limits)."""
    values = _values(brief)
    product_words = words(brief.product) or words(values["product"])
    audience_words = words(brief.audience)[:3] or [""]
    out = []
    for template in KEYWORD_TEMPLATES[brief.goal]:
        for word in product_words[:3]:
            for audience_word in audience_words:
                if audience_word.casefold() == word.casefold():
                    continue
                text = template.format(product=values["product"], word=word, audience_word=audience_word)
                out.append(text.casefold())
    return out


def meta_copy(brief: Brief) -> tuple[str, str, str]:
    """Primary text (<= 125), headline (<= 40) and description (<= 30) for a Meta ad."""
    v = _values(brief)
    primary = fit(
        f"{v['product']} for {v['audience']}. Discover it at {v['domain']}.", META.primary_text_length
    )
    headline = fit(v["product"], META.headline_length)
    description = fit(v["business"], META.description_length)
    return primary or "Discover more", headline or "Learn more", description or "Learn more"
