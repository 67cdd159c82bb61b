"""Stock rules: shelf lives, date grace, remaining life at dispatch, cold-chain ranges.

One standing rule, ``SetStockRules`` (rule kind ``stock_rules``), holds the whole table. The
values are decided together, by the same people (the cooperative's hygiene and quality
referents) for the same reason (food safety), and one act applies several of them at once
(a reception reads the product's category, its temperature range and its shelf life). One
rule kind means one enactment in force per day, quoted whole on the proposal that changes
it, so nobody changes a shelf life without seeing the grace periods beside it; the price is
that a proposal restates the table, which stays short (a few dozen products).

Until an adopted proposal sets them, ``DEFAULT_STOCK_RULES`` apply (acts then record no
decision). The defaults are conservative and meant to be replaced by the cooperative's own:

- temperature ranges from the French rules on chilled and frozen food (arrêté du 21 décembre
  2009): chilled ("frais") 0 to +4 °C, frozen ("surgelé") -18 °C with the regulation's brief
  3 °C tolerance in transport, so -15 °C at the warmest;
- DDM grace periods in the spirit of the food-aid guides on best-before dates: long for dry
  groceries, short for chilled food;
- shelf lives of the usual vegetables of the network's gardens, and of soups they cook.

Temperatures are integer tenths of a degree Celsius (``temperature_dc``: 40 is +4.0 °C).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated

import msgspec

from domain.dates import DateKind
from domain.errors import InvalidCommand
from domain.fields import Text, described

SHELF_LIFE_DAYS_MAX = 3_650  # Ten years: tinned food; anything longer is a typo.
GRACE_DAYS_MAX = 3_650
REMAINING_HOURS_MAX = 24 * 30  # A month of remaining life at dispatch is already very strict.
TEMPERATURE_DC_MIN = -500  # -50 °C: colder than any freezer in the network.
TEMPERATURE_DC_MAX = 600  # +60 °C: hotter than any reception dock; beyond is a typo.
PRODUCT_RULES_MAX = 500  # Same bound as a price grid: a garden grows a few dozen products.
CATEGORIES_MAX = 50  # Storage categories: a warehouse has a handful of rooms.
CATEGORY_LENGTH_MAX = 64  # A storage room's name ("frais", "surgelé", "chambre froide 2").
PRODUCT_LENGTH_MAX = 200  # As a lot's product (domain.input_bounds.TEXT_LENGTH_MAX).

FRESH_PRODUCE = "fruits_legumes"
"""Category of products not listed: fruit and vegetables, stored without a set range."""
CHILLED = "frais"
FROZEN = "surgele"
GROCERIES = "epicerie"
BULK = "vrac"
"""Category of an unsorted donation, until it is sorted into product lots."""
BULK_PRODUCT = "vrac"
"""Product name of an unsorted donation."""

CATEGORY_LABELS = {FRESH_PRODUCE: "fruits et légumes", CHILLED: "produits frais",
                   FROZEN: "surgelés", GROCERIES: "épicerie", BULK: "vrac à trier"}
"""How screens name the default categories (others show their own name)."""


# The bounds below (msgspec Meta) hold at the edge and when stored rules are read: each is
# no tighter than what check_stock_rules refused before any rule was recorded.


class ProductStockRule(msgspec.Struct, frozen=True, kw_only=True):
    """How a product is stored and dated."""

    product: Annotated[Text, described("The product", "soupe de courge")]
    category: Annotated[str, msgspec.Meta(
        max_length=CATEGORY_LENGTH_MAX, description="Its storage category",
        examples=[CHILLED])] = FRESH_PRODUCE
    date_kind: Annotated[DateKind, described(
        "The kind of date its lots carry unless a lot says otherwise", "dlc")] = DateKind.NONE
    """The kind of date the product's lots carry unless the lot says otherwise."""
    shelf_life_days: Annotated[int, msgspec.Meta(
        ge=0, le=SHELF_LIFE_DAYS_MAX,
        description="Days from harvest (or making, or sorting) to the suggested date",
        examples=[5])]
    """Days from harvest (or making, or sorting) to the suggested date."""
    gtin: Annotated[str, msgspec.Meta(
        pattern=r"^([0-9]{8}|[0-9]{12,14})?$",
        description="Its GS1 trade item number, if any (labels then carry a GS1 Digital Link)",
        examples=["03760123450009"])] = ""
    """The product's GS1 trade item number, when it has one (the network's own soups and
    jars): labels then link ``/01/{GTIN}/10/{lot}`` (GS1 Digital Link)."""


class CategoryStockRule(msgspec.Struct, frozen=True, kw_only=True):
    """A storage category: its temperature range at reception and its DDM grace."""

    category: Annotated[str, msgspec.Meta(
        max_length=CATEGORY_LENGTH_MAX, description="The category", examples=[CHILLED])]
    temperature_min_dc: Annotated[int, msgspec.Meta(
        ge=TEMPERATURE_DC_MIN, le=TEMPERATURE_DC_MAX,
        description="Lowest temperature at reception, in tenths of a degree Celsius",
        examples=[0])] | None = None
    temperature_max_dc: Annotated[int, msgspec.Meta(
        ge=TEMPERATURE_DC_MIN, le=TEMPERATURE_DC_MAX,
        description="Highest temperature at reception, in tenths of a degree Celsius",
        examples=[40])] | None = None
    """Both set: a reception must measure the temperature and find it in the range."""
    ddm_grace_days: Annotated[int, msgspec.Meta(
        ge=0, le=GRACE_DAYS_MAX,
        description="Days a lot past its DDM may still be passed on (absent: the general "
                    "grace)", examples=[15])] | None = None
    """Days a lot past its DDM may still be passed on; None: the rule's general grace."""


class SetStockRules(msgspec.Struct, frozen=True, kw_only=True, tag_field="kind",
                    tag="set_stock_rules"):
    """Shelf lives, date grace, remaining life at dispatch and cold-chain ranges."""

    products: Annotated[list[ProductStockRule], msgspec.Meta(
        max_length=PRODUCT_RULES_MAX, description="How each product named is stored and dated",
        examples=[[{"product": "soupe de courge", "category": CHILLED, "date_kind": "dlc",
                    "shelf_life_days": 5}]])] = msgspec.field(default_factory=list)
    categories: Annotated[list[CategoryStockRule], msgspec.Meta(
        max_length=CATEGORIES_MAX, description="Storage categories, their ranges and grace",
        examples=[[{"category": CHILLED, "temperature_min_dc": 0,
                    "temperature_max_dc": 40}]])] = msgspec.field(default_factory=list)
    shelf_life_days_default: Annotated[int, msgspec.Meta(
        ge=0, le=SHELF_LIFE_DAYS_MAX,
        description="Shelf life of a product the table does not list, in days",
        examples=[7])] = 7
    """Shelf life of a product the table does not list."""
    ddm_grace_days: Annotated[int, msgspec.Meta(
        ge=0, le=GRACE_DAYS_MAX,
        description="Days a lot past its DDM may still be passed on (unless its category "
                    "says otherwise)", examples=[30])] = 30
    """Days a lot past its DDM may still be passed on, unless its category says otherwise."""
    use_by_min_remaining_hours: Annotated[int, msgspec.Meta(
        ge=0, le=REMAINING_HOURS_MAX,
        description="Hours of life a lot with a DLC must have left to leave on a delivery",
        examples=[48])] = 48
    """A lot with a DLC leaves on a delivery only with at least this much life left."""

    def product_rule(self, product: str) -> ProductStockRule:
        """The product's rule, or the default one (fresh produce, default shelf life)."""
        for rule in self.products:
            if rule.product == product:
                return rule
        if product == BULK_PRODUCT:
            return ProductStockRule(product=product, category=BULK, shelf_life_days=1)
        return ProductStockRule(product=product, shelf_life_days=self.shelf_life_days_default)

    def category_rule(self, category: str) -> CategoryStockRule:
        """The category's rule (no range, general grace when the table does not list it)."""
        for rule in self.categories:
            if rule.category == category:
                return rule
        return CategoryStockRule(category=category)

    def temperature_range(self, product: str) -> tuple[str, int, int] | None:
        """``(category, min, max)`` a reception of ``product`` must measure, if any."""
        category = self.category_rule(self.product_rule(product).category)
        if category.temperature_min_dc is None or category.temperature_max_dc is None:
            return None
        return category.category, category.temperature_min_dc, category.temperature_max_dc

    def grace_days(self, product: str) -> int:
        """Days a lot of ``product`` past its DDM may still be passed on."""
        category = self.category_rule(self.product_rule(product).category)
        return self.ddm_grace_days if category.ddm_grace_days is None else category.ddm_grace_days

    def suggested_date(self, product: str, start: date) -> date:
        """The product's suggested date for a lot harvested (or made) on ``start``."""
        return start + timedelta(days=self.product_rule(product).shelf_life_days)


def _fresh(product: str, days: int) -> ProductStockRule:
    return ProductStockRule(product=product, shelf_life_days=days)


DEFAULT_STOCK_RULES = SetStockRules(
    products=[
        _fresh("betterave", 14), _fresh("carotte", 21), _fresh("chou", 14),
        _fresh("courge", 60), _fresh("courgette", 7), _fresh("épinard", 4),
        _fresh("laitue", 5), _fresh("oignon", 60), _fresh("poireau", 10),
        _fresh("pomme de terre", 60), _fresh("radis", 5), _fresh("tomate", 7),
        ProductStockRule(product="soupe de courge", category=CHILLED,
                         date_kind=DateKind.USE_BY, shelf_life_days=5),
        ProductStockRule(product="yaourt", category=CHILLED, date_kind=DateKind.USE_BY,
                         shelf_life_days=21),
        ProductStockRule(product="fromage", category=CHILLED, date_kind=DateKind.BEST_BEFORE,
                         shelf_life_days=30),
        ProductStockRule(product="légumes surgelés", category=FROZEN,
                         date_kind=DateKind.BEST_BEFORE, shelf_life_days=365),
        ProductStockRule(product="pâtes", category=GROCERIES, date_kind=DateKind.BEST_BEFORE,
                         shelf_life_days=730),
    ],
    categories=[
        CategoryStockRule(category=FRESH_PRODUCE),
        CategoryStockRule(category=CHILLED, temperature_min_dc=0, temperature_max_dc=40,
                          ddm_grace_days=7),
        CategoryStockRule(category=FROZEN, temperature_min_dc=-400, temperature_max_dc=-150,
                          ddm_grace_days=90),
        CategoryStockRule(category=GROCERIES, ddm_grace_days=90),
    ],
)
"""The stock rules in force until a proposal sets the cooperative's own."""


GTIN_LENGTHS = (8, 12, 13, 14)


def gtin_is_valid(gtin: str) -> bool:
    """A GTIN-8, -12, -13 or -14 with its GS1 check digit right."""
    if len(gtin) not in GTIN_LENGTHS or not gtin.isascii() or not gtin.isdigit():
        return False
    digits = [int(digit) for digit in gtin.zfill(14)]
    # GS1 mod 10: from the right, excluding the check digit, weights 3, 1, 3, 1...
    total = sum(digit * (3 if index % 2 == 0 else 1)
                for index, digit in enumerate(reversed(digits[:-1])))
    return (10 - total % 10) % 10 == digits[-1]


def check_stock_rules(rules: SetStockRules) -> None:
    """Refuse a table with duplicates, unknown categories or values out of bounds."""
    if len(rules.products) > PRODUCT_RULES_MAX:
        raise InvalidCommand(f"stock rules list at most {PRODUCT_RULES_MAX} products",
                             reason="stock_rules_products_count",
                             count=len(rules.products), maximum=PRODUCT_RULES_MAX)
    if len(rules.categories) > CATEGORIES_MAX:
        raise InvalidCommand(f"stock rules list at most {CATEGORIES_MAX} categories",
                             reason="stock_rules_categories_count",
                             count=len(rules.categories), maximum=CATEGORIES_MAX)
    products = [rule.product for rule in rules.products]
    category_names = [*(rule.category for rule in rules.products),
                      *(rule.category for rule in rules.categories)]
    if (any(len(product) > PRODUCT_LENGTH_MAX for product in products)
            or any(len(category) > CATEGORY_LENGTH_MAX for category in category_names)):
        raise InvalidCommand(f"a product name is at most {PRODUCT_LENGTH_MAX} characters and a "
                             f"category at most {CATEGORY_LENGTH_MAX}",
                             reason="stock_rules_name_too_long",
                             product_maximum=PRODUCT_LENGTH_MAX,
                             category_maximum=CATEGORY_LENGTH_MAX)
    if len(set(products)) != len(products) or "" in products:
        raise InvalidCommand("stock rules name each product once, none empty",
                             reason="stock_rules_products_twice")
    categories = [rule.category for rule in rules.categories]
    if len(set(categories)) != len(categories) or "" in categories:
        raise InvalidCommand("stock rules name each category once, none empty",
                             reason="stock_rules_categories_twice")
    for product in rules.products:
        if product.category not in categories and product.category != FRESH_PRODUCE:
            raise InvalidCommand(f"product {product.product} is in category "
                                 f"{product.category}, which the rules do not list",
                                 reason="stock_rules_unknown_category",
                                 product=product.product, category=product.category)
        _check_days(product.shelf_life_days, SHELF_LIFE_DAYS_MAX, subject=product.product)
        if product.gtin and not gtin_is_valid(product.gtin):
            raise InvalidCommand(f"product {product.product}: {product.gtin!r} is not a "
                                 "GTIN-8, -12, -13 or -14 with a valid check digit",
                                 reason="gtin_invalid", product=product.product,
                                 gtin=product.gtin)
    for category in rules.categories:
        low, high = category.temperature_min_dc, category.temperature_max_dc
        if (low is None) != (high is None):
            raise InvalidCommand(f"category {category.category} sets one temperature bound; "
                                 "set both or neither",
                                 reason="temperature_bound_alone", category=category.category)
        if low is not None and high is not None and not (
                TEMPERATURE_DC_MIN <= low <= high <= TEMPERATURE_DC_MAX):
            raise InvalidCommand(
                f"category {category.category}: range {low} to {high} tenths of a degree "
                f"must be ordered and within {TEMPERATURE_DC_MIN} to {TEMPERATURE_DC_MAX}",
                reason="temperature_range_invalid", category=category.category,
                temperature_min_dc=low, temperature_max_dc=high,
                lowest_dc=TEMPERATURE_DC_MIN, highest_dc=TEMPERATURE_DC_MAX)
        if category.ddm_grace_days is not None:
            _check_days(category.ddm_grace_days, GRACE_DAYS_MAX, subject=category.category,
                        grace=True)
    _check_days(rules.shelf_life_days_default, SHELF_LIFE_DAYS_MAX, subject=DEFAULT_SUBJECT)
    _check_days(rules.ddm_grace_days, GRACE_DAYS_MAX, subject=DEFAULT_SUBJECT, grace=True)
    if not 0 <= rules.use_by_min_remaining_hours <= REMAINING_HOURS_MAX:
        raise InvalidCommand(f"minimum remaining life at dispatch must be 0 to "
                             f"{REMAINING_HOURS_MAX} hours, "
                             f"got {rules.use_by_min_remaining_hours}",
                             reason="remaining_hours_range",
                             hours=rules.use_by_min_remaining_hours,
                             maximum=REMAINING_HOURS_MAX)


def normalised_stock_rules(rules: SetStockRules) -> SetStockRules:
    """The table with product and category names trimmed and lower-cased, products sorted."""
    products = sorted(
        (msgspec.structs.replace(rule, product=rule.product.strip().lower(),
                                 category=rule.category.strip().lower())
         for rule in rules.products), key=lambda rule: rule.product)
    categories = sorted(
        (msgspec.structs.replace(rule, category=rule.category.strip().lower())
         for rule in rules.categories), key=lambda rule: rule.category)
    return msgspec.structs.replace(rules, products=products, categories=categories)


DEFAULT_SUBJECT = "par défaut"
"""The ``subject`` a refusal names for the table's default shelf life or DDM grace."""


def _check_days(days: int, days_max: int, *, subject: str, grace: bool = False) -> None:
    """Refuse a shelf life (of a product) or a DDM grace (of a category) out of bounds."""
    if 0 <= days <= days_max:
        return
    if grace:
        raise InvalidCommand(f"DDM grace ({subject}) must be 0 to {days_max} days, got {days}",
                             reason="ddm_grace_days_range", subject=subject, days=days,
                             maximum=days_max)
    raise InvalidCommand(f"shelf life ({subject}) must be 0 to {days_max} days, got {days}",
                         reason="shelf_life_days_range", subject=subject, days=days,
                         maximum=days_max)
