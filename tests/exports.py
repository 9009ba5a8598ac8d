"""Hand-made exports in the shapes real shops produce, with answers we can state."""

from __future__ import annotations

import io

import pandas as pd

# Shopify: one row per line item; order fields only on the first row of each order.
# Kept: #1001 (a@x.com, 100.00 on 5 Jan), #1003 (a@x.com, 1,050.00 - 50 refunded = 1,000 on
# 6 Feb), #1005 (guest email b@x.com 30 on 1 Mar). Left out: #1002 refunded, #1004 cancelled,
# #1006 no email (guest), #1007 voided.
SHOPIFY = """Name,Email,Financial Status,Paid at,Fulfillment Status,Accepts Marketing,Currency,Subtotal,Total,Discount Code,Created at,Lineitem quantity,Lineitem name,Lineitem price,Billing Country,Cancelled at,Refunded Amount,Source
#1001,a@x.com,paid,2023-01-05 10:32:11 +0100,fulfilled,yes,EUR,90.00,100.00,WELCOME10,2023-01-05 10:32:11 +0100,1,Shirt,60.00,FR,,0.00,web
#1001,,,,,,,,,,2023-01-05 10:32:11 +0100,1,Hat,30.00,,,,
#1002,a@x.com,refunded,2023-01-06 09:00:00 +0100,fulfilled,yes,EUR,50.00,50.00,,2023-01-06 09:00:00 +0100,1,Shirt,50.00,FR,,50.00,web
#1003,A@X.com ,partially_refunded,2023-02-06 00:10:00 +0100,fulfilled,yes,EUR,"1,050.00","1,050.00",,2023-02-06 00:10:00 +0100,2,Coat,525.00,FR,,50.00,web
#1004,c@x.com,paid,2023-02-07 12:00:00 +0100,,no,EUR,20.00,20.00,,2023-02-07 12:00:00 +0100,1,Hat,20.00,DE,2023-02-08 08:00:00 +0100,0.00,pos
#1005,b@x.com,paid,2023-03-01 23:30:00 -0500,fulfilled,no,EUR,30.00,30.00,,2023-03-01 23:30:00 -0500,1,Socks,30.00,US,,0.00,web
#1006,,paid,2023-03-02 10:00:00 +0100,fulfilled,no,EUR,10.00,10.00,,2023-03-02 10:00:00 +0100,1,Socks,10.00,FR,,0.00,web
#1007,d@x.com,voided,,,,EUR,15.00,15.00,,2023-03-03 10:00:00 +0100,1,Socks,15.00,FR,,0.00,web
"""

# Magento 2 sales order grid: US dates with AM/PM, "$" amounts, closed = refunded.
# Kept: 000000001 (jo@x.com $1,234.50 on Jan 5), 000000004 (jo@x.com $20.00 on Feb 10).
MAGENTO = """ID,Purchase Point,Purchase Date,Bill-to Name,Ship-to Name,Grand Total (Base),Grand Total (Purchased),Status,Customer Email,Customer Group,Total Refunded
000000001,Main Website,"Jan 5, 2023 10:32:11 AM",Jo Doe,Jo Doe,"$1,234.50","$1,234.50",complete,jo@x.com,General,$0.00
000000002,Main Website,"Jan 6, 2023 1:05:00 PM",Al Roe,Al Roe,$99.00,$99.00,canceled,al@x.com,General,$0.00
000000003,Main Website,"Jan 7, 2023 9:00:00 PM",Al Roe,Al Roe,$45.00,$45.00,closed,al@x.com,General,$45.00
000000004,Main Website,"Feb 10, 2023 8:15:00 AM",Jo Doe,Jo Doe,$20.00,$20.00,processing,jo@x.com,General,$0.00
"""

# WooCommerce (Order Export plugin): wc- statuses, customer_user 0 for guests.
# Kept: 1001 (customer 7, 45.5), 1003 (guest with email g@x.com, 10), 1004 (customer 7, 19.9).
WOOCOMMERCE = """Order ID,Order Number,Order Status,Order Date,Customer User,Billing Email,Billing Country,Order Total Amount,Order Refund Amount,Coupon Code
501,1001,wc-completed,2023-04-01 10:00:00,7,kim@x.com,FR,45.50,0,
502,1002,wc-failed,2023-04-02 11:00:00,8,lee@x.com,FR,12.00,0,
503,1003,wc-processing,2023-04-03 12:00:00,0,g@x.com,BE,10.00,0,SPRING
504,1004,wc-completed,2023-05-01 09:00:00,7,kim@x.com,FR,19.90,0,
505,1005,wc-refunded,2023-05-02 09:00:00,9,pat@x.com,FR,30.00,30.00,
"""

# WooCommerce with line items (one row per item, order fields repeated). Kept: 1001 (customer 7,
# Mug + Tea, 45.50 once), 1003 (customer 7, Tea). Left out: 1002 (failed) and its Mug line.
WOOCOMMERCE_ITEMS = """Order Number,Order Status,Order Date,Customer User,Billing Email,Order Total Amount,Item Name,SKU,Quantity
1001,wc-completed,2023-04-01 10:00:00,7,kim@x.com,45.50,Mug,MUG-1,1
1001,wc-completed,2023-04-01 10:00:00,7,kim@x.com,45.50,Tea,TEA-9,2
1002,wc-failed,2023-04-02 11:00:00,8,lee@x.com,12.00,Mug,MUG-1,1
1003,wc-completed,2023-05-01 09:00:00,7,kim@x.com,19.90,Tea,TEA-9,1
"""

# A retail invoice log (the UK online-retail shape) with each line's amount: month-first
# dates. Customer 17850: invoices 536365 and 536366 on 1 Dec are one purchase of three
# products; 536381 on 13 Dec. Customer 14527: C536379 (a cancellation, negative) is left out
# with its line; 536380 on 3 Dec.
INVOICE_LOG = """InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country,Amount
536365,85123A,WHITE HANGING HEART T-LIGHT HOLDER,6,12/1/2010 8:26,2.55,17850,United Kingdom,15.30
536365,71053,WHITE METAL LANTERN,6,12/1/2010 8:26,3.39,17850,United Kingdom,20.34
536366,22633,HAND WARMER UNION JACK,6,12/1/2010 8:28,1.85,17850,United Kingdom,11.10
C536379,D,Discount,-1,12/1/2010 9:41,27.50,14527,United Kingdom,-27.50
536380,22961,JAM MAKING SET PRINTED,24,12/3/2010 9:41,1.45,14527,United Kingdom,34.80
536381,85123A,WHITE HANGING HEART T-LIGHT HOLDER,6,12/13/2010 10:00,2.55,17850,United Kingdom,15.30
"""

# A French export: semicolons, day-first dates, decimal commas with space thousands and euro
# signs, accented headers, cp1252. Kept: 1 (C1, 1234.50 on 3 April 2022), 3 (C2, 12 on 25 April).
FRENCH = """N° commande;Client;Date commande;Montant TTC;Statut
1;C1;03/04/2022;1 234,50 €;Livrée
2;C1;05/04/2022;99,00 €;Annulée
3;C2;25/04/2022;12,00 €;Expédiée
4;C3;26/04/2022;-15,00 €;Remboursée partiellement
5;;27/04/2022;5,00 €;Livrée
"""


def french_bytes() -> bytes:
    return FRENCH.encode("cp1252")


def xlsx_bytes(frames: dict[str, pd.DataFrame]) -> bytes:
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        for name, frame in frames.items():
            frame.to_excel(writer, sheet_name=name, index=False)
    return buffer.getvalue()


def parquet_bytes(frame: pd.DataFrame) -> bytes:
    buffer = io.BytesIO()
    frame.to_parquet(buffer, index=False)
    return buffer.getvalue()
