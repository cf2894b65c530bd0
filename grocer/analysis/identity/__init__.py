"""Same product across retailers without a shared barcode (``product_links``).

Blocking (:mod:`.candidates`) -> features of each candidate pair (:mod:`.features`, brands
resolved by :mod:`.brands`) -> a logistic score (:mod:`.model`, coefficients fitted by
``scripts/fit_identity.py``) -> one link per product and retailer pair (:mod:`.assign`).
:func:`grocer.analysis.identity.link.find_links` runs the chain inside ``grocer analyze subs``.
"""
