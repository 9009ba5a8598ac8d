"""Export formats: which column plays which role (order id, customer, date, amount, ...).

Presets are recognised from their headers (Shopify, Magento 2, WooCommerce); anything else
is mapped from generic English and French header names. The user can change every role.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

# Roles an order file can fill; the first four decide whether the file is usable.
ORDER_ROLES = [
    "order_date",
    "amount",
    "customer_id",
    "email",
    "order_id",
    "status",
    "cancelled_at",
    "refunded",
    "currency",
    "channel",
    "country",
    "discount_code",
    "category",
    "product",
    "sku",
]
ROLE_LABELS = {
    "order_date": "Order date",
    "amount": "Order amount",
    "customer_id": "Customer id",
    "email": "Email",
    "order_id": "Order id",
    "status": "Order status",
    "cancelled_at": "Cancelled at",
    "refunded": "Refunded amount",
    "currency": "Currency",
    "channel": "Acquisition channel",
    "country": "Country",
    "discount_code": "Discount code",
    "category": "Product category",
    "product": "Product (line item name)",
    "sku": "Product SKU",
    "created_at": "Sign-up date",
    "accepts_marketing": "Accepts marketing",
    "birthday": "Birthday",
}
CONTACT_ROLES = [
    "customer_id",
    "email",
    "created_at",
    "channel",
    "country",
    "accepts_marketing",
    "birthday",
]
FORMATS = ["auto", "shopify", "magento", "woocommerce", "generic"]
FORMAT_LABELS = {
    "shopify": "Shopify orders export",
    "magento": "Magento 2 sales order grid export",
    "woocommerce": "WooCommerce orders export",
    "generic": "Generic order table",
}

# Exact header names per role (normalised: lower case, no accents, words split by spaces),
# best first. French, German, Spanish and Italian names sit beside the English ones.
GENERIC_ALIASES: dict[str, list[str]] = {
    "order_id": [
        "order id",
        "order number",
        "order no",
        "order",
        "order name",
        "order ref",
        "order reference",
        "id commande",
        "n commande",
        "no commande",
        "num commande",
        "numero commande",
        "numero de commande",
        "reference commande",
        "commande",
        "invoice",
        "invoice no",
        "invoiceno",
        "invoice number",
        "transaction id",
        "increment id",
        "orderid",
        "bestellnummer",
        "bestell nr",
        "bestellung",
        "auftragsnummer",
        "numero pedido",
        "pedido",
        "numero ordine",
        "ordine",
    ],
    "customer_id": [
        "customer id",
        "customer",
        "customer number",
        "customer no",
        "customerid",
        "customer user",
        "client id",
        "id client",
        "n client",
        "numero client",
        "code client",
        "client",
        "user id",
        "buyer id",
        "member id",
        "kunde",
        "kundennummer",
        "kunden nr",
        "kunden id",
        "cliente",
        "id cliente",
    ],
    "email": [
        "email",
        "e mail",
        "customer email",
        "billing email",
        "email address",
        "courriel",
        "adresse email",
        "adresse e mail",
        "mail",
    ],
    "order_date": [
        "order date",
        "date",
        "created at",
        "date commande",
        "date de commande",
        "purchase date",
        "invoice date",
        "invoicedate",
        "order created",
        "date created",
        "transaction date",
        "order datetime",
        "datetime",
        "timestamp",
        "date achat",
        "paid at",
        "datum",
        "bestelldatum",
        "rechnungsdatum",
        "fecha",
        "fecha pedido",
        "data ordine",
        "data",
    ],
    "amount": [
        "amount",
        "total",
        "order total",
        "grand total",
        "montant",
        "montant ttc",
        "total ttc",
        "montant total",
        "order amount",
        "total amount",
        "order value",
        "revenue",
        "sales",
        "value",
        "net sales",
        "gross sales",
        "dollar value",
        "price",
        "prix",
        "chiffre d affaires",
        "ca",
        "betrag",
        "gesamtbetrag",
        "gesamtsumme",
        "rechnungsbetrag",
        "endbetrag",
        "summe",
        "umsatz",
        "importe",
        "total pedido",
        "importo",
        "totale",
    ],
    "status": [
        "status",
        "order status",
        "statut",
        "statut commande",
        "etat",
        "financial status",
        "state",
        "payment status",
        "bestellstatus",
        "estado",
        "stato",
    ],
    "cancelled_at": ["cancelled at", "canceled at", "date annulation", "cancel date"],
    "refunded": [
        "refunded amount",
        "total refunded",
        "refund amount",
        "order refund amount",
        "montant rembourse",
        "refunds",
    ],
    "currency": [
        "currency",
        "order currency",
        "devise",
        "currency code",
        "currency iso",
        "wahrung",
        "moneda",
        "valuta",
    ],
    "channel": [
        "channel",
        "acquisition channel",
        "marketing channel",
        "source",
        "utm source",
        "canal",
        "canal acquisition",
        "source name",
        "traffic source",
    ],
    "country": [
        "country",
        "billing country",
        "shipping country",
        "pays",
        "country code",
        "land",
        "pais",
        "paese",
    ],
    "discount_code": ["discount code", "coupon", "coupon code", "promo code", "code promo"],
    "category": ["category", "product category", "categorie", "product type", "famille"],
    # Line items: the product as the shop writes it, and its SKU (used when there is no name).
    "product": [
        "product",
        "product name",
        "lineitem name",
        "line item name",
        "item name",
        "product title",
        "description",
        "produit",
        "nom produit",
        "designation",
        "libelle produit",
        "produkt",
        "produktname",
        "artikel",
        "artikelname",
        "bezeichnung",
        "producto",
        "prodotto",
    ],
    "sku": [
        "sku",
        "lineitem sku",
        "line item sku",
        "item sku",
        "product sku",
        "stock code",
        "product code",
        "item code",
        "reference produit",
        "ref produit",
        "artikelnummer",
        "artikel nr",
    ],
    "created_at": [
        "created at",
        "signup date",
        "sign up date",
        "date inscription",
        "registration date",
        "created",
        "date creation",
        "subscribed at",
        "first seen",
    ],
    "accepts_marketing": [
        "accepts marketing",
        "accepts email marketing",
        "optin",
        "opt in",
        "newsletter",
        "consent",
        "marketing consent",
    ],
    "birthday": ["birthday", "birth date", "date of birth", "date naissance", "anniversaire"],
}

# Words that disqualify a header from a role when matching loosely by contained words.
_LOOSE = {
    "order_date": (["date"], ["cancel", "annul", "paid", "ship", "birth", "naiss", "deliver"]),
    "amount": (
        ["total", "amount", "montant"],
        [
            "refund",
            "rembours",
            "tax",
            "tva",
            "ship",
            "livraison",
            "discount",
            "remise",
            "sub",
            "quantity",
            "qty",
            "items",
            "count",
        ],
    ),
    "customer_id": (["customer", "client"], ["email", "mail", "name", "nom", "group", "note"]),
    "email": (["email", "mail"], []),
    "order_id": (["order", "commande"], ["date", "status", "statut", "total", "amount"]),
}

_ID_HEADERS = {"id", "name", "increment id"}


@dataclass
class Preset:
    name: str
    signatures: list[list[str]]  # header sets; a file with all headers of one set matches
    aliases: dict[str, list[str]]
    refunded_statuses: list[str] = field(default_factory=list)
    note: str = ""


PRESETS = [
    Preset(
        "shopify",
        [["name", "financial status", "created at", "total", "lineitem name"]],
        {
            "order_id": ["name"],
            "email": ["email"],
            "customer_id": ["customer id"],
            "order_date": ["created at"],
            "amount": ["total"],
            "status": ["financial status"],
            "cancelled_at": ["cancelled at"],
            "refunded": ["refunded amount"],
            "currency": ["currency"],
            "channel": ["source"],
            "country": ["billing country"],
            "discount_code": ["discount code"],
            "product": ["lineitem name"],
            "sku": ["lineitem sku"],
        },
        note="One row per line item; order fields on each order's first row.",
    ),
    Preset(
        "magento",
        [["purchase date", "grand total purchased", "status"]],
        {
            "order_id": ["id", "increment id"],
            "email": ["customer email"],
            "customer_id": ["customer id"],
            "order_date": ["purchase date"],
            "amount": ["grand total purchased", "grand total base"],
            "status": ["status"],
            "refunded": ["total refunded", "total refunded purchased"],
            "channel": ["purchase point"],
            "country": ["billing country"],
        },
        # Magento closes an order when a credit memo refunds all of it.
        refunded_statuses=["closed"],
    ),
    Preset(
        "woocommerce",
        [
            ["order number", "order status", "order date", "order total amount"],
            ["order id", "order status", "order total", "billing email"],
            ["order id", "status", "order total", "billing email", "customer user"],
        ],
        {
            "order_id": ["order number", "order id", "order_number", "order_id"],
            "customer_id": ["customer user", "customer id", "customer_user", "customer_id"],
            "email": ["billing email", "customer email", "billing_email", "email"],
            "order_date": ["order date", "date created", "order_date"],
            "amount": ["order total amount", "order total", "order_total", "total"],
            "status": ["order status", "status"],
            "refunded": ["order refund amount", "refund amount", "order_refund"],
            "country": ["billing country", "billing_country"],
            "discount_code": ["coupon code", "coupons", "coupon items"],
            "channel": ["order source", "origin", "source"],
            "currency": ["order currency", "currency"],
            "product": ["item name", "product name", "line item name", "item_name"],
            "sku": ["sku", "item sku", "item_sku"],
        },
    ),
]


def normalise(header: str) -> str:
    """Lower case, accents removed, every run of other characters a single space."""
    text = unicodedata.normalize("NFKD", str(header)).encode("ascii", "ignore").decode()
    text = re.sub(r"([a-z])([A-Z])", r"\1 \2", text)  # camelCase -> camel case
    return re.sub(r"[^a-z0-9]+", " ", text.lower()).strip()


def detect_format(columns: list[str]) -> str:
    """The preset whose signature headers are all present, else ``"generic"``."""
    names = {normalise(c) for c in columns}
    for candidate in PRESETS:
        if any(all(h in names for h in sig) for sig in candidate.signatures):
            return candidate.name
    return "generic"


def preset(name: str) -> Preset | None:
    return next((p for p in PRESETS if p.name == name), None)


def suggest_mapping(columns: list[str], fmt: str, roles: list[str] | None = None) -> dict:
    """Role -> column for the given format (``"generic"`` or a preset name).

    Each column serves at most one role. Exact header names win over loose matches.
    """
    roles = roles or ORDER_ROLES
    by_norm: dict[str, str] = {}
    for col in columns:
        by_norm.setdefault(normalise(col), col)
    chosen: dict[str, str | None] = {}
    used: set[str] = set()
    chosen_preset = preset(fmt)
    for role in roles:
        names = (chosen_preset.aliases.get(role, []) if chosen_preset else []) + [
            a for a in GENERIC_ALIASES.get(role, []) if not (chosen_preset and a in _ID_HEADERS)
        ]
        col = next(
            (by_norm[normalise(n)] for n in names if normalise(n) in by_norm),
            None,
        )
        if col in used:
            col = next(
                (
                    by_norm[normalise(n)]
                    for n in names
                    if normalise(n) in by_norm and by_norm[normalise(n)] not in used
                ),
                None,
            )
        chosen[role] = col
        if col:
            used.add(col)
    for role, (needed, banned) in _LOOSE.items():
        if role in roles and chosen.get(role) is None:
            for col in columns:
                words = normalise(col)
                if col in used or not any(w in words for w in needed):
                    continue
                if any(b in words for b in banned):
                    continue
                chosen[role] = col
                used.add(col)
                break
    return chosen
