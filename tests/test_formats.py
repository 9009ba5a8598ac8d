"""Header recognition: presets and generic English / French names."""

from analytics.ingest.formats import detect_format, normalise, suggest_mapping
from tests import exports


def headers(text):
    return text.splitlines()[0].split(",")


def test_presets_detected_from_headers():
    assert detect_format(headers(exports.SHOPIFY)) == "shopify"
    assert detect_format(headers(exports.MAGENTO)) == "magento"
    assert detect_format(headers(exports.WOOCOMMERCE)) == "woocommerce"
    assert (
        detect_format(
            [
                "order_id",
                "order_status",
                "order_total",
                "billing_email",
                "customer_user",
                "order_date",
            ]
        )
        == "woocommerce"
    )
    assert detect_format(["Order", "Customer", "Date", "Amount"]) == "generic"


def test_generic_french_and_english_names():
    fr = suggest_mapping(
        ["N° commande", "Client", "Date de commande", "Montant TTC (€)", "Statut"], "generic"
    )
    assert (fr["order_id"], fr["customer_id"], fr["order_date"], fr["amount"], fr["status"]) == (
        "N° commande",
        "Client",
        "Date de commande",
        "Montant TTC (€)",
        "Statut",
    )
    en = suggest_mapping(
        ["orderNumber", "customerId", "createdAt", "grandTotal", "Subtotal", "Total Refunded"],
        "generic",
    )
    assert (en["order_id"], en["customer_id"], en["order_date"], en["amount"]) == (
        "orderNumber",
        "customerId",
        "createdAt",
        "grandTotal",
    )
    assert en["refunded"] == "Total Refunded"


def test_loose_match_avoids_tax_and_shipping_totals():
    m = suggest_mapping(
        ["Customer Email", "Purchase Day", "Tax Total", "Order Total (EUR)"], "generic"
    )
    assert m["amount"] == "Order Total (EUR)" and m["email"] == "Customer Email"


def test_each_column_serves_one_role():
    m = suggest_mapping(["customer", "date", "amount"], "generic")
    used = [c for c in m.values() if c]
    assert len(used) == len(set(used))


def test_normalise():
    assert normalise("  Montant TTC (€) ") == "montant ttc"
    assert normalise("customer_id") == normalise("Customer ID") == "customer id"


def test_german_spanish_and_italian_shop_exports_map_themselves():
    roles = ["order_id", "customer_id", "order_date", "amount", "status", "product", "country"]
    for headers in [
        ["Bestellnummer", "Kunde", "Datum", "Betrag", "Status", "Produkt", "Land"],
        ["Pedido", "Cliente", "Fecha", "Importe", "Estado", "Producto", "País"],
        ["Ordine", "Cliente", "Data", "Importo", "Stato", "Prodotto", "Paese"],
    ]:
        found = suggest_mapping(headers, "generic")
        assert [found.get(role) for role in roles] == headers, headers
    # A German shop's other words for the order's total.
    for total in ["Gesamtsumme", "Rechnungsbetrag", "Endbetrag", "Gesamtbetrag"]:
        headers = ["Bestellnummer", "Kunden-E-Mail", "Bestelldatum", total, "Währung"]
        assert suggest_mapping(headers, "generic")["amount"] == total
